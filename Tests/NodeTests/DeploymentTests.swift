import Foundation
import TestSupport
import XCTest

/// How operators run the node: under systemd, with compute workers on other hosts, without Docker.
final class DeploymentTests: XCTestCase {
    /// sd_notify: READY=1 once every worker joined the bus, WATCHDOG=1 while the broker runs.
    func testTellsSystemdItIsReadyAndPetsTheWatchdog() async throws {
        let node = try NodeHarness(containers: [NodeHarness.helloContainer(id: "hello")])
        let socketPath = node.directory.appendingPathComponent("notify.sock").path
        let listener = try DatagramListener(path: socketPath)
        try await node.start(environment: ["NOTIFY_SOCKET": socketPath, "WATCHDOG_USEC": "400000"])
        defer { node.stop() }
        var messages: [String] = []
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, !(messages.contains { $0.contains("READY=1") } && messages.contains { $0.contains("WATCHDOG=1") }) {
            if let message = listener.receive() { messages.append(message) } else { try await Task.sleep(for: .milliseconds(20)) }
        }
        XCTAssertTrue(messages.contains { $0.contains("READY=1") }, "\(messages)")
        XCTAssertTrue(messages.contains { $0.contains("WATCHDOG=1") }, "\(messages)")
        node.stop()
        while let message = listener.receive() { messages.append(message) }
        XCTAssertTrue(messages.contains { $0.contains("STOPPING=1") }, "\(messages)")
    }

    /// A compute worker on another host joins over tcp:// and runs the jobs (the node runs none itself).
    func testRemoteComputeWorkerJoinsOverTCP() async throws {
        let busPort = NodeHarness.freePort()
        let node = try NodeHarness(
            containers: [NodeHarness.helloContainer(id: "hello")],
            node: #""bus_endpoint": "tcp://127.0.0.1:\#(busPort)", "compute_workers": 0"#)
        try await node.start()
        defer { node.stop() }
        // The remote worker manages its own containers; give it a config of its own.
        let remoteConfig = node.directory.appendingPathComponent("remote.json").path
        let servicePort = NodeHarness.freePort()
        try """
        {"containers": [{"id": "hello", "command": "\(NodeHarness.builtProducts)/infernet-hello-world --port \(servicePort)", "port": \(servicePort)}]}
        """.write(toFile: remoteConfig, atomically: true, encoding: .utf8)
        let worker = Process()
        worker.executableURL = URL(fileURLWithPath: NodeHarness.builtProducts + "/infernet-compute")
        worker.arguments = ["--bus", "tcp://127.0.0.1:\(busPort)", "--config", remoteConfig, "--manage-containers", "--identity", "gpu-host-1"]
        let log = node.directory.appendingPathComponent("remote.log").path
        FileManager.default.createFile(atPath: log, contents: nil)
        worker.standardError = FileHandle(forWritingAtPath: log)
        try worker.run()
        defer {
            worker.terminate()
            worker.waitUntilExit()
        }
        let id = try await node.submit(containers: ["hello"])
        let job = try await node.waitForResult(id)
        XCTAssertEqual(job["status"]?.stringValue, "success", "\(job)\n\((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
    }

    /// Image containers without a Docker engine: start-up says so, naming them; command containers still work.
    func testWithoutDockerImageContainersAreReportedAndOthersWork() async throws {
        let node = try NodeHarness(containers: [
            NodeHarness.helloContainer(id: "hello"),
            #"{"id": "dockerized", "image": "ritualnetwork/hello-world-infernet:latest", "port": \#(NodeHarness.freePort())}"#,
        ])
        // An engine nobody runs, whatever this machine has.
        try await node.start(environment: ["DOCKER_HOST": "unix:///nonexistent/docker.sock"])
        defer { node.stop() }
        XCTAssertTrue(node.log.contains("container 'dockerized' (image ritualnetwork/hello-world-infernet:latest, port"), node.log)
        XCTAssertTrue(node.log.contains("is not reachable"), node.log)
        let id = try await node.submit(containers: ["hello"])
        let job = try await node.waitForResult(id)
        XCTAssertEqual(job["status"]?.stringValue, "success")
    }
}

/// A Unix datagram socket standing in for systemd's notification socket.
final class DatagramListener {
    let fd: Int32

    init(path: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in path.utf8.enumerated() { buffer[index] = byte }
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard result == 0 else { throw HarnessError.unexpected(0, "cannot bind \(path)") }
    }

    deinit { close(fd) }

    func receive() -> String? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(fd, &buffer, buffer.count, 0)
        guard count > 0 else { return nil }
        return String(decoding: buffer[..<count], as: UTF8.self)
    }
}

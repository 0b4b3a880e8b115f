import BusContract
import Foundation
import InfernetBus
import InfernetCore
import Logging
import Supervisor
import TestSupport
import XCTest

/// Processes die, frames are garbage, workers crash-loop: the node keeps its promises.
final class FaultTests: XCTestCase {
    /// `kill -9` of the compute worker with 200 jobs in flight: every accepted job still ends
    /// `success` (re-dispatched), and the worker is back on the bus within 2 s.
    func testKillComputeWorkerWith200JobsInFlight() async throws {
        let node = try NodeHarness(containers: [NodeHarness.helloContainer(id: "slow", extra: "--delay-ms 300")])
        try await node.start()
        defer { node.stop() }
        let ids = try await withThrowingTaskGroup(of: String.self) { group in
            for i in 0..<200 { group.addTask { try await node.submit(containers: ["slow"], data: #"{"i": \#(i)}"#) } }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        XCTAssertEqual(ids.count, 200)
        let victims = node.pids(of: "infernet-compute")
        XCTAssertEqual(victims.count, 1)
        let killedAt = Date()
        for pid in victims { kill(pid, SIGKILL) }

        var backAfter: Double?
        while Date().timeIntervalSince(killedAt) < 5 {
            let now = node.pids(of: "infernet-compute")
            if !now.isEmpty, Set(now).isDisjoint(with: victims), try await computeWorkersOnBus(node) == 1 {
                backAfter = Date().timeIntervalSince(killedAt)
                break
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        let back = try XCTUnwrap(backAfter, "compute worker not back within 5 s\n\(node.log.suffix(3000))")
        XCTAssertLessThan(back, 2.0)

        for id in ids {
            let job = try await node.waitForResult(id, timeout: 60)
            XCTAssertEqual(job["status"]?.stringValue, "success", "\(job)")
        }
    }

    func computeWorkersOnBus(_ node: NodeHarness) async throws -> Int {
        let metrics = try await node.get("/metrics").body
        for line in metrics.split(separator: "\n") where line.hasPrefix("infernet_bus_peers") && line.contains("compute") {
            return Int(Double(line.split(separator: " ").last ?? "0") ?? 0)
        }
        return 0
    }

    /// `kill -9` of the gateway: finished jobs are still there after it restarts.
    func testKillGatewayKeepsFinishedJobs() async throws {
        let node = try NodeHarness(containers: [NodeHarness.helloContainer(id: "hello")])
        try await node.start()
        defer { node.stop() }
        var finished: [String: JSONValue] = [:]
        for i in 0..<20 {
            let id = try await node.submit(containers: ["hello"], data: #"{"i": \#(i)}"#)
            finished[id] = try await node.waitForResult(id)
        }
        let gateways = node.pids(of: "infernet-gateway")
        XCTAssertEqual(gateways.count, 1)
        for pid in gateways { kill(pid, SIGKILL) }
        try await Task.sleep(for: .milliseconds(100))
        try await node.waitUntilHealthy()
        XCTAssertFalse(Set(node.pids(of: "infernet-gateway")).intersection(gateways).count > 0)
        for (id, before) in finished {
            let after = try await node.waitForResult(id)
            XCTAssertEqual(after, before)
        }
    }

    /// `kill -9` of a command container: the container manager's service restarts it, and jobs
    /// succeed again.
    func testKilledCommandContainerIsRestarted() async throws {
        let port = NodeHarness.freePort()
        let node = try NodeHarness(containers: [NodeHarness.helloContainer(id: "hello", port: port)])
        try await node.start()
        defer { node.stop() }
        let first = try await node.waitForResult(try await node.submit(containers: ["hello"]))
        XCTAssertEqual(first["status"]?.stringValue, "success", "\(first)")
        let victims = Self.pids(commandLineContaining: "infernet-hello-world --port \(port)")
        XCTAssertEqual(victims.count, 1, "\(victims)")
        for pid in victims { kill(pid, SIGKILL) }

        var replacement: [Int32] = []
        let deadline = Date().addingTimeInterval(10)
        while replacement.isEmpty, Date() < deadline {
            try await Task.sleep(for: .milliseconds(50))
            replacement = Self.pids(commandLineContaining: "infernet-hello-world --port \(port)").filter { !victims.contains($0) }
        }
        XCTAssertFalse(replacement.isEmpty, "the container was not restarted\n\(node.log.suffix(3000))")
        XCTAssertTrue(node.log.contains("container process exited; restarting"), node.log.suffix(3000).description)
        // Jobs succeed again once it answers (retried while it comes up).
        var status: String?
        while status != "success", Date() < deadline.addingTimeInterval(10) {
            status = try await node.waitForResult(try await node.submit(containers: ["hello"]))["status"]?.stringValue
            if status != "success" { try await Task.sleep(for: .milliseconds(100)) }
        }
        XCTAssertEqual(status, "success")
    }

    static func pids(commandLineContaining fragment: String) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            return String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\0", with: " ").contains(fragment)
        }
    }

    /// Garbage on the bus is logged and counted; no process dies and jobs still run.
    func testMalformedBusFramesAreRejected() async throws {
        let node = try NodeHarness(containers: [NodeHarness.helloContainer(id: "hello")])
        try await node.start()
        defer { node.stop() }
        let before = node.pids(of: "infernet-")
        let intruder = try BusPeer(
            options: .init(endpoint: "ipc://\(node.directory.path)/var/bus.ipc", identity: "intruder",
                           announcement: PeerAnnouncement(service: BusService("intruder"), pid: 0)),
            logger: Logger(label: "intruder"))
        try intruder.start()
        intruder.sendRaw([[0, 0, 0, 99, 1, 2, 3]])
        intruder.sendRaw([Array("{\"type\":\"request\"}".utf8)])
        intruder.sendRaw([[0, 0, 0, 16] + Array("{\"type\":\"nope\"}".utf8)])
        // A request nobody can decode the body of, sent to compute: refused as a bad request.
        do {
            _ = try await intruder.send(BusRequest(id: "bad", service: .compute, method: Methods.compute.run.name,
                                                   containers: ["hello"], body: "]["), timeout: .seconds(5))
            XCTFail("a body that is not a ComputeRequest must be refused")
        } catch {
            XCTAssertEqual(error, .failed(BusFailure(
                .badRequest, "malformed compute.run body: expected a ComputeRequest JSON object (not valid JSON)")))
        }
        intruder.stop()
        let id = try await node.submit(containers: ["hello"])
        let job = try await node.waitForResult(id)
        XCTAssertEqual(job["status"]?.stringValue, "success")
        XCTAssertEqual(Set(node.pids(of: "infernet-")), Set(before), "no process restarted")
        let metrics = try await node.get("/metrics").body
        let rejected = metrics.split(separator: "\n").first { $0.hasPrefix("infernet_bus_rejected_frames") }
        XCTAssertNotNil(rejected, metrics)
        XCTAssertGreaterThanOrEqual(Double(rejected?.split(separator: " ").last ?? "0") ?? 0, 3)
        XCTAssertTrue(node.log.contains("rejected frame"), node.log.suffix(2000).description)
    }

    /// A worker that crash-loops: the supervisor backs off, then gives up and exits non-zero.
    func testCrashLoopingWorkerMakesTheSupervisorGiveUp() async throws {
        let bin = FileManager.default.temporaryDirectory.appendingPathComponent("bin-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: bin) }
        for name in ["infernet-node", "infernet-gateway", "infernet-hello-world"] {
            try FileManager.default.createSymbolicLink(atPath: bin.appendingPathComponent(name).path,
                                                       withDestinationPath: NodeHarness.builtProducts + "/" + name)
        }
        let crasher = bin.appendingPathComponent("infernet-compute").path
        try "#!/bin/sh\necho crashing >&2\nexit 3\n".write(toFile: crasher, atomically: true, encoding: .utf8)
        chmod(crasher, 0o755)
        let node = try NodeHarness(
            containers: [NodeHarness.helloContainer(id: "hello")],
            node: #""restart_intensity": 4, "restart_period": 30, "restart_backoff_initial": 0.1, "restart_backoff_max": 2"#,
            binDirectory: bin.path)
        let started = Date()
        // The separate executables from `bin` (the crasher among them), not the supervisor's own.
        try await node.start(waitForHealth: false, environment: [WorkerSpec.Launch.variable: "separate"])
        let process = try XCTUnwrap(node.process)
        while process.isRunning, Date().timeIntervalSince(started) < 30 { try await Task.sleep(for: .milliseconds(50)) }
        XCTAssertFalse(process.isRunning, "supervisor should have given up")
        XCTAssertEqual(process.terminationStatus, 70, node.log)
        // Back-off 0.1 + 0.2 + 0.4 + 0.8 s before the fifth exit exceeds the intensity of 4.
        XCTAssertGreaterThan(Date().timeIntervalSince(started), 1.4)
        XCTAssertTrue(node.log.contains("giving up"), node.log)
        XCTAssertEqual(node.pids(of: "infernet-gateway"), [], "workers are stopped when the supervisor gives up")
    }

    /// SIGTERM drains: the node exits 0 and leaves no worker or container process behind.
    func testSigtermDrainsAndStopsEverything() async throws {
        let node = try NodeHarness(containers: [NodeHarness.helloContainer(id: "hello")])
        try await node.start()
        let id = try await node.submit(containers: ["hello"])
        _ = try await node.waitForResult(id)
        let process = try XCTUnwrap(node.process)
        process.terminate()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, node.log)
        XCTAssertEqual(node.pids(of: "infernet-"), [])
    }
}

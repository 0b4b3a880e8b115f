import AsyncHTTPClient
import Foundation
import InfernetCore
import NIOCore
import NIOHTTP1
import TestSupport
import XCTest

/// Starts the real `infernet-node` binary (with its real worker processes and a real
/// hello-world service) in a temporary directory, and talks to it over real HTTP (the shared
/// `NodeHTTPHarness`, as for the gateway's in-process `TestNode`).
final class NodeHarness: NodeHTTPHarness, @unchecked Sendable {
    let directory: URL
    let port: Int
    let configPath: String
    let binDirectory: String
    private(set) var process: Process?
    let logPath: String

    /// The directory holding the built executables (next to the test bundle), or INFERNET_BIN_DIR.
    static var builtProducts: String {
        if let dir = ProcessInfo.processInfo.environment["INFERNET_BIN_DIR"], !dir.isEmpty { return dir }
        // The test bundle sits beside the executables; on Linux its URL may already be that directory.
        let bundle = Bundle(for: NodeHarness.self).bundleURL
        let candidates = [bundle, bundle.deletingLastPathComponent()]
        let found = candidates.first { FileManager.default.isExecutableFile(atPath: $0.appendingPathComponent("infernet-node").path) }
        return (found ?? bundle).path
    }

    /// A TCP port nobody is listening on right now.
    static func freePort() -> Int { HarnessResources.freePort() }

    /// A hello-world container entry run as a local `command` process.
    static func helloContainer(id: String, port: Int = freePort(), extra: String = "", fields: String = "") -> String {
        #"{"id": "\#(id)", "command": "\#(builtProducts)/infernet-hello-world --port \#(port) \#(extra)", "port": \#(port)\#(fields.isEmpty ? "" : ", " + fields)}"#
    }

    /// `rawConfig`, when given, writes the whole config itself from the HTTP port and the directory.
    init(containers: [String], rateLimit: Int = 100_000, extraTopLevel: String = "", node: String = "",
         binDirectory: String = NodeHarness.builtProducts, rawConfig: ((Int, URL) -> String)? = nil) throws {
        directory = try HarnessResources.temporaryDirectory(prefix: "node")
        port = NodeHarness.freePort()
        self.binDirectory = binDirectory
        configPath = directory.appendingPathComponent("config.json").path
        logPath = directory.appendingPathComponent("node.log").path
        let nodeOptions = #"{"data_dir": "\#(directory.path)/var", "heartbeat_interval": 0.1, "restart_backoff_initial": 0.05\#(node.isEmpty ? "" : ", " + node)}"#
        let config = rawConfig?(port, directory) ?? """
        {
          "server": {"port": \(port), "bind_address": "127.0.0.1", "rate_limit": {"num_requests": \(rateLimit), "period": 60}},
          "containers": [\(containers.joined(separator: ",\n"))],
          \(extraTopLevel.isEmpty ? "" : extraTopLevel + ",")
          "node": \(nodeOptions)
        }
        """
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    func start(waitForHealth: Bool = true, environment extra: [String: String] = [:]) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binDirectory + "/infernet-node")
        process.arguments = ["--config", configPath]
        var environment = ProcessInfo.processInfo.environment
        environment["INFERNET_BIN_DIR"] = binDirectory
        environment.merge(extra) { $1 }
        process.environment = environment
        FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = FileHandle(forWritingAtPath: logPath)
        process.standardOutput = log
        process.standardError = log
        try process.run()
        self.process = process
        if waitForHealth { try await waitUntilHealthy() }
    }

    func waitUntilHealthy(timeout: Double = 30) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let response = try? await get("/health"), response.status == 200 { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw HarnessError.notHealthy(log: log)
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    func stop() {
        guard let process, process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(15)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: directory)
    }

    // MARK: Processes

    /// PIDs of this node's processes whose command line contains `fragment` (e.g. "infernet-compute").
    func pids(of fragment: String) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            let cmdline = String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\0", with: " ")
            return cmdline.contains(fragment) && cmdline.contains(configPath)
        }
    }
}

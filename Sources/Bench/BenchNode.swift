import AsyncHTTPClient
import Foundation

/// A node started for the benchmark, with one hello-world container, rate limiting out of the way.
final class BenchNode: @unchecked Sendable {
    let directory: URL
    let port: Int
    let servicePort: Int
    let bin: String
    let computeWorkers: Int
    private var process: Process?

    init(bin: String, computeWorkers: Int) throws {
        self.bin = bin
        self.computeWorkers = computeWorkers
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("infernet-bench-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        port = Int.random(in: 20_000..<30_000)
        servicePort = port + 1
    }

    func start() throws {
        let config = """
        {"server": {"port": \(port), "bind_address": "127.0.0.1", "rate_limit": {"num_requests": 100000000, "period": 1}},
         "containers": [{"id": "hello-world", "command": "\(bin)/infernet-hello-world --port \(servicePort)", "port": \(servicePort)}],
         "node": {"data_dir": "\(directory.path)/var", "compute_workers": \(computeWorkers)}}
        """
        let path = directory.appendingPathComponent("config.json").path
        try config.write(toFile: path, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: bin + "/infernet-node")
        process.arguments = ["--config", path]
        var environment = ProcessInfo.processInfo.environment
        environment["INFERNET_LOG_LEVEL"] = environment["INFERNET_LOG_LEVEL"] ?? "warning"
        process.environment = environment
        try process.run()
        self.process = process
    }

    func waitUntilHealthy(_ http: HTTPClient) async throws {
        for _ in 0..<600 {
            if let response = try? await http.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/health"), timeout: .seconds(1)),
               response.status == .ok { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw BenchError.notHealthy
    }

    /// Resident memory (MB) of the supervisor and its worker processes, and of the service.
    func residentMemory() -> (node: Double, breakdown: String, service: Double) {
        guard let root = process?.processIdentifier else { return (0, "", 0) }
        var node = 0.0
        var service = 0.0
        var parts: [String] = []
        for pid in [root] + descendants(of: root) {
            let name = (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
            let rss = Self.rss(pid)
            if name.contains("hello") { service += rss; continue }
            node += rss
            parts.append(String(format: "%@ %.1f", name, rss))
        }
        return (node, parts.joined(separator: ", "), service)
    }

    private func descendants(of pid: Int32) -> [Int32] {
        let children = ((try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8)) ?? "")
            .split(separator: " ").compactMap { Int32($0) }
        return children + children.flatMap(descendants)
    }

    static func rss(_ pid: Int32) -> Double {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kb = Double(line.split(separator: " ").dropFirst().first ?? "")
        else { return 0 }
        return kb / 1024
    }

    func stop() {
        guard let process, process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: directory)
    }
}

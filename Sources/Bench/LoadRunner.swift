import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

/// Drives concurrent clients for a fixed time and records each operation's latency.
struct LoadRunner: Sendable {
    let http: HTTPClient
    let clients: Int

    struct Result {
        var completed: Int
        var errors: Int
        var seconds: Double
        var latencies: [Double]
        var throughput: Double { Double(completed) / seconds }
        func percentile(_ p: Double) -> Double {
            guard !latencies.isEmpty else { return .nan }
            let sorted = latencies.sorted()
            return sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] * 1000
        }
    }

    func measure(warmup: Double, duration: Double, operation: @escaping @Sendable (LoadRunner) async throws -> Void) async throws -> Result {
        _ = await run(for: warmup, operation)
        return await run(for: duration, operation)
    }

    private func run(for seconds: Double, _ operation: @escaping @Sendable (LoadRunner) async throws -> Void) async -> Result {
        let start = Date()
        let end = start.addingTimeInterval(seconds)
        let perClient = await withTaskGroup(of: ([Double], Int).self) { group in
            for _ in 0..<clients {
                group.addTask {
                    var latencies: [Double] = []
                    var errors = 0
                    while Date() < end {
                        let began = DispatchTime.now().uptimeNanoseconds
                        do {
                            try await operation(self)
                            latencies.append(Double(DispatchTime.now().uptimeNanoseconds - began) / 1e9)
                        } catch {
                            errors += 1
                        }
                    }
                    return (latencies, errors)
                }
            }
            return await group.reduce(into: [([Double], Int)]()) { $0.append($1) }
        }
        let latencies = perClient.flatMap(\.0)
        return Result(completed: latencies.count, errors: perClient.map(\.1).reduce(0, +),
                      seconds: Date().timeIntervalSince(start), latencies: latencies)
    }

    func send(_ method: HTTPMethod, _ url: String, body: String? = nil) async throws -> ByteBuffer {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await http.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        guard response.status == .ok else { throw BenchError.status(response.status.code, String(buffer: bytes)) }
        return bytes
    }

    static let data = #"{"prompt": "benchmark", "n": 1}"#

    func callService(port: Int) async throws {
        _ = try await send(.POST, "http://127.0.0.1:\(port)/service_output",
                           body: #"{"source": 1, "destination": 1, "data": \#(Self.data), "requires_proof": false}"#)
    }

    /// Submit, then poll until the job is no longer running.
    func runJob(port: Int) async throws {
        let created = try await send(.POST, "http://127.0.0.1:\(port)/api/jobs", body: #"{"containers": ["hello-world"], "data": \#(Self.data)}"#)
        guard let id = String(buffer: created).split(separator: "\"").dropFirst(3).first else { throw BenchError.status(0, String(buffer: created)) }
        var delay: UInt64 = 200_000
        while true {
            let status = String(buffer: try await send(.GET, "http://127.0.0.1:\(port)/api/jobs?id=\(id)"))
            if status.contains("\"success\"") { return }
            if status.contains("\"failed\"") { throw BenchError.failed(status) }
            try await Task.sleep(nanoseconds: delay)
            delay = min(delay * 2, 5_000_000)
        }
    }
}

enum BenchError: Error {
    case status(UInt, String)
    case failed(String)
    case notHealthy
}

enum Report {
    static func table(_ rows: [(String, LoadRunner.Result)]) -> String {
        var lines = [String(format: "%-18@ %10@ %9@ %9@ %9@ %7@", "path" as NSString, "ops/s" as NSString, "p50 ms" as NSString, "p99 ms" as NSString, "completed" as NSString, "errors" as NSString)]
        for (name, result) in rows {
            lines.append(String(format: "%-18@ %10.0f %9.2f %9.2f %9d %7d", name as NSString, result.throughput,
                                result.percentile(0.5), result.percentile(0.99), result.completed, result.errors))
        }
        return lines.joined(separator: "\n")
    }
}

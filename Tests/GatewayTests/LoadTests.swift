import AsyncHTTPClient
import Foundation
import InfernetCore
import NIOCore
import XCTest

/// A rough in-process load check (skipped unless GATEWAY_LOAD=1): 32 clients submit jobs and
/// poll their results. Numbers from a debug build on a shared machine are only a sanity check.
final class LoadTests: XCTestCase {
    func testThroughputSanity() async throws {
        try XCTSkipUnless(ProcessInfo.processInfo.environment["GATEWAY_LOAD"] == "1")
        let node = try await TestNode()
        defer { Task { await node.shutdown() } }
        let seconds = 5.0
        let start = Date()
        let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
            for _ in 0..<32 {
                group.addTask {
                    var samples: [Double] = []
                    while Date().timeIntervalSince(start) < seconds {
                        let began = Date()
                        let id = try await node.submit(#"{"containers":["echo"],"data":{"prompt":"hello"}}"#)
                        if ProcessInfo.processInfo.environment["GATEWAY_LOAD_SUBMIT_ONLY"] == nil { _ = try await node.result(id) }
                        samples.append(Date().timeIntervalSince(began))
                    }
                    return samples
                }
            }
            var all: [Double] = []
            for try await samples in group { all += samples }
            return all.sorted()
        }
        let rate = Double(latencies.count) / seconds
        let p99 = latencies[Int(Double(latencies.count) * 0.99)]
        print("load: \(latencies.count) jobs, \(Int(rate)) jobs/s, p50 \(latencies[latencies.count / 2] * 1000) ms, p99 \(p99 * 1000) ms")
        XCTAssertGreaterThan(latencies.count, 0)
    }
}

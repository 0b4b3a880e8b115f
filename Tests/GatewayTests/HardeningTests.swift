import Foundation
import Gateway
import InfernetCore
import TestSupport
import XCTest

/// Poison jobs and retention of the gateway's store (the HTTP side is in Tests/Python/hostile).
final class HardeningTests: XCTestCase {
    func testAJobCutShortTooOftenIsFailedInsteadOfSentAgain() async throws {
        let directory = try TestNode.tempDirectory()
        do {
            try await JobStore(path: JobStore.path(dataDirectory: directory.path)).running { store in
                var poison = PersistenceTests.record("poison")
                poison.containers = ["echo"]
                try await store.save(poison)
                var healthy = PersistenceTests.record("healthy")
                healthy.containers = ["echo"]
                try await store.save(healthy)
                // Two earlier starts re-sent "poison" and its worker died each time: 3 sends so far.
                let first = try await store.recordAttempt(id: "poison", client: "127.0.0.1")
                let second = try await store.recordAttempt(id: "poison", client: "127.0.0.1")
                XCTAssertEqual([first, second], [2, 3])
            }
        }
        let node = try await TestNode(directory: directory)
        defer { Task { await node.shutdown() } }
        let poison = try await node.waitForResult("poison")
        XCTAssertEqual(poison["status"], "failed")
        let error = try XCTUnwrap(poison["result"]?["error"]?.stringValue)
        XCTAssertTrue(error.contains("cut short 3 times") && error.contains("over node.max_job_attempts=3"), error)
        // A job with sends left is sent again as before.
        let healthy = try await node.waitForResult("healthy")
        XCTAssertEqual(healthy["status"], "success")
    }

    func testPruningKeepsRunningJobsAndTheNewestFinishedOnes() async throws {
        let store = try JobStore(path: JobStore.path(dataDirectory: try TestNode.tempDirectory().path))
        try await store.running { store in
            for index in 0..<10 {
                var job = PersistenceTests.record("done-\(index)")
                job.status = .success
                job.result = #"{"container":"echo","output":{}}"#
                try await store.save(job)
                try await Task.sleep(for: .milliseconds(5))  // distinct `updated` times
            }
            try await store.save([PersistenceTests.record("running-1"), PersistenceTests.record("running-2")])
        }
        let byCount = try await store.prune(before: nil, keep: 3)
        XCTAssertEqual(byCount, 7)
        let left = try await store.jobIDs(client: "127.0.0.1", pending: nil)
        XCTAssertEqual(Set(left), ["done-7", "done-8", "done-9", "running-1", "running-2"])
        // Gone from reads too (the cache forgets them), kept ones still readable.
        let pruned = try await store.job(id: "done-0", client: "127.0.0.1")
        XCTAssertNil(pruned)
        let kept = try await store.job(id: "done-9", client: "127.0.0.1")
        XCTAssertEqual(kept?.status, .success)
        // By age: everything finished before now goes; running jobs never do.
        let byAge = try await store.prune(before: Date().timeIntervalSince1970 + 1, keep: 0)
        XCTAssertEqual(byAge, 3)
        let running = try await store.runningJobs().map(\.id)
        XCTAssertEqual(Set(running), ["running-1", "running-2"])
    }

    func testBoundKeysAreReadWithTheirDefaults() throws {
        let defaults = try NodeConfig.parse(Array("{}".utf8))
        XCTAssertEqual(defaults.node.limits, JobLimits())
        XCTAssertEqual(defaults.node.limits.maxContainers, 32)
        XCTAssertEqual(defaults.server.connections.maxConnections, 10_000)
        let text = """
            {"server": {"idle_timeout": 1.5, "header_timeout": 2, "body_timeout": 3, "max_connections": 7},
             "node": {"max_containers_per_job": 4, "max_request_body_bytes": 4096, "max_output_bytes_per_hop": 10,
                      "max_output_bytes_per_job": 20, "job_deadline": 5, "max_job_attempts": 2,
                      "job_retention": 60, "job_retention_count": 9, "prune_interval": 0.5}}
            """
        let config = try NodeConfig.parse(Array(text.utf8))
        XCTAssertEqual(config.server.connections.idleTimeout, .milliseconds(1500))
        XCTAssertEqual(config.server.connections.maxConnections, 7)
        XCTAssertEqual(config.node.limits.maxContainers, 4)
        XCTAssertEqual(config.node.limits.maxOutputBytesPerJob, 20)
        XCTAssertEqual(config.node.limits.retentionCount, 9)
        XCTAssertTrue(config.warnings.isEmpty, "\(config.warnings)")
        XCTAssertThrowsError(try NodeConfig.parse(Array(#"{"node": {"max_containers_per_job": 0}}"#.utf8))) { error in
            XCTAssertTrue("\(error)".contains("node.max_containers_per_job"), "\(error)")
        }
    }
}

import Foundation
import InfernetCore
import XCTest

/// `server.job_status_wait` over HTTP: a status poll naming only running jobs answers the moment
/// one finishes, and no later than the configured wait.
final class StatusWaitTests: XCTestCase {
    /// Runs `body` against a node with `server.job_status_wait` = `statusWait` seconds.
    func withNode(statusWait: Double, _ body: (TestNode) async throws -> Void) async throws {
        let node = try await TestNode(statusWait: statusWait)
        do {
            try await body(node)
        } catch {
            await node.shutdown()
            throw error
        }
        await node.shutdown()
    }

    func testOnePollGetsTheResultOfAJobThatFinishesWithinTheWait() async throws {
        try await withNode(statusWait: 20) { node in
            // `slow` takes 1.5 s in the fake worker.
            let id = try await node.submit(#"{"containers":["slow"],"data":{}}"#)
            let started = ContinuousClock.now
            let poll = try await node.request(.GET, "/api/jobs?id=\(id)")
            let waited = ContinuousClock.now - started
            XCTAssertEqual(poll.status, 200)
            XCTAssertEqual(poll.json?.arrayValue?.first?["status"], "success", "the poll answered before the job finished")
            XCTAssertGreaterThan(waited, .milliseconds(500))
            XCTAssertLessThan(waited, .seconds(15), "the poll was not answered when the job finished")
        }
    }

    func testThePollAnswersRunningWhenItsWaitIsOver() async throws {
        try await withNode(statusWait: 0.3) { node in
            let id = try await node.submit(#"{"containers":["slow"],"data":{}}"#)
            let started = ContinuousClock.now
            let poll = try await node.request(.GET, "/api/jobs?id=\(id)")
            XCTAssertEqual(poll.json?.arrayValue?.first?["status"], "running")
            XCTAssertGreaterThanOrEqual(ContinuousClock.now - started, .milliseconds(250), "the poll did not wait")
            // A poll naming a finished job as well answers at once with both.
            let done = try await node.submit(#"{"containers":["echo"],"data":{}}"#)
            _ = try await node.waitForResult(done)
            let both = try await node.request(.GET, "/api/jobs?id=\(id)&id=\(done)")
            XCTAssertEqual(both.json?.arrayValue?.map { $0["status"] }, ["success", "running"])
        }
    }

    func testZeroTurnsTheWaitOffAndTheKeyIsChecked() async throws {
        try await withNode(statusWait: 0) { node in
            let id = try await node.submit(#"{"containers":["slow"],"data":{}}"#)
            let poll = try await node.request(.GET, "/api/jobs?id=\(id)")
            XCTAssertEqual(poll.json?.arrayValue?.first?["status"], "running")
        }
        for (value, message) in [("-1", "must be at least"), ("61", "must be at most 60"), ("\"soon\"", "seconds")] {
            let text = #"{"server": {"job_status_wait": \#(value)}, "containers": []}"#
            XCTAssertThrowsError(try NodeConfig.parse(Array(text.utf8))) { error in
                let description = "\(error)"
                XCTAssertTrue(description.contains("server.job_status_wait"), description)
                XCTAssertTrue(description.contains(message), description)
            }
        }
    }
}

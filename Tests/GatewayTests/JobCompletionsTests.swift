@testable import Gateway
import XCTest

/// The rule behind `server.job_status_wait`: a waiting poll ends when one of its jobs is
/// finished (also just before it waits), when its time passes, or when it is cancelled, and
/// leaves nothing registered behind.
final class JobCompletionsTests: XCTestCase {
    func testFinishingAJobEndsTheWaitOfEveryPollNamingIt() async throws {
        let completions = JobCompletions()
        let first = completions.register(["c\u{0}a", "c\u{0}b"])
        let second = completions.register(["c\u{0}b"])
        let other = completions.register(["c\u{0}z"])
        let started = ContinuousClock.now
        async let one = completions.wait(first, timeout: .seconds(30), clock: ContinuousClock())
        async let two = completions.wait(second, timeout: .seconds(30), clock: ContinuousClock())
        try await Task.sleep(for: .milliseconds(20))
        completions.finished("c\u{0}b")
        let outcomes = await [one, two]
        XCTAssertEqual(outcomes, [.finished, .finished])
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(10), "the finish did not end the waits")
        // Only the finished job's polls ended; the other is still registered until it is dropped.
        XCTAssertEqual(completions.count, 1)
        completions.forget(other)
        XCTAssertEqual(completions.count, 0)
    }

    func testAFinishBetweenRegisteringAndWaitingIsNotMissed() async {
        let completions = JobCompletions()
        let ticket = completions.register(["c\u{0}a"])
        completions.finished("c\u{0}a")
        let outcome = await completions.wait(ticket, timeout: .seconds(30), clock: ContinuousClock())
        XCTAssertEqual(outcome, .finished)
        XCTAssertEqual(completions.count, 0)
    }

    func testTheWaitIsBoundedByItsTimeout() async {
        let completions = JobCompletions()
        let ticket = completions.register(["c\u{0}a"])
        let outcome = await completions.wait(ticket, timeout: .zero, clock: ContinuousClock())
        XCTAssertEqual(outcome, .timedOut)
        XCTAssertEqual(completions.count, 0)
        // A later finish of that job finds no one waiting and changes nothing.
        completions.finished("c\u{0}a")
        XCTAssertEqual(completions.count, 0)
    }

    func testCancellingTheWaitingTaskEndsIt() async throws {
        let completions = JobCompletions()
        let ticket = completions.register(["c\u{0}a"])
        let task = Task { await completions.wait(ticket, timeout: .seconds(30), clock: ContinuousClock()) }
        try await Task.sleep(for: .milliseconds(20))
        task.cancel()
        let outcome = await task.value
        XCTAssertEqual(outcome, .cancelled)
        XCTAssertEqual(completions.count, 0)
    }

    func testWaitsOfOtherClientsAreSeparate() async {
        let completions = JobCompletions()
        let mine = completions.register([JobCache.key(client: "127.0.0.1", id: "same")])
        completions.finished(JobCache.key(client: "127.0.0.2", id: "same"))
        let outcome = await completions.wait(mine, timeout: .zero, clock: ContinuousClock())
        XCTAssertEqual(outcome, .timedOut, "another client's job of the same id ended this wait")
    }
}

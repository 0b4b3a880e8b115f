@testable import Gateway
import XCTest

/// The rule behind `server.job_status_wait`: a waiting poll ends when one of its jobs is
/// finished (also just before it waits), when its deadline is found passed, when it is
/// cancelled or the store stops, and leaves nothing registered behind. Deadlines are checked
/// with explicit instants, so nothing here sleeps for them.
final class JobCompletionsTests: XCTestCase {
    let later = ContinuousClock.now + .seconds(3600)

    /// Lets concurrent waits reach their suspension (their outcome does not depend on it).
    func settle() async { for _ in 0..<50 { await Task.yield() } }

    func testFinishingAJobEndsTheWaitOfEveryPollNamingIt() async {
        let completions = JobCompletions()
        let first = completions.register(["c\u{0}a", "c\u{0}b"], until: later)
        let second = completions.register(["c\u{0}b"], until: later)
        let other = completions.register(["c\u{0}z"], until: later)
        async let one = completions.wait(first)
        async let two = completions.wait(second)
        await settle()
        completions.finished("c\u{0}b")
        let outcomes = await [one, two]
        XCTAssertEqual(outcomes, [.finished, .finished])
        // Only the finished job's polls ended; the other stays registered until dropped.
        XCTAssertEqual(completions.count, 1)
        completions.forget(other)
        XCTAssertEqual(completions.count, 0)
    }

    func testAFinishBetweenRegisteringAndWaitingIsNotMissed() async {
        let completions = JobCompletions()
        let ticket = completions.register(["c\u{0}a"], until: later)
        completions.finished("c\u{0}a")
        let outcome = await completions.wait(ticket)
        XCTAssertEqual(outcome, .finished)
        XCTAssertEqual(completions.count, 0)
    }

    func testOnlyWaitsPastTheirDeadlineExpire() async {
        let completions = JobCompletions()
        let start = ContinuousClock.now
        let short = completions.register(["c\u{0}a"], until: start + .milliseconds(500))
        let long = completions.register(["c\u{0}a"], until: start + .seconds(5))
        completions.expire(now: start + .milliseconds(499))
        completions.expire(now: start + .milliseconds(500))
        let shortOutcome = await completions.wait(short)
        XCTAssertEqual(shortOutcome, .timedOut)
        XCTAssertEqual(completions.count, 1, "the later deadline expired too")
        // The job finishing afterwards still ends the other wait.
        async let longOutcome = completions.wait(long)
        await settle()
        completions.finished("c\u{0}a")
        let outcome = await longOutcome
        XCTAssertEqual(outcome, .finished)
        XCTAssertEqual(completions.count, 0)
    }

    func testCancellingTheWaitingTaskEndsIt() async {
        let completions = JobCompletions()
        let ticket = completions.register(["c\u{0}a"], until: later)
        let task = Task { await completions.wait(ticket) }
        await settle()
        task.cancel()
        let outcome = await task.value
        XCTAssertEqual(outcome, .cancelled)
        XCTAssertEqual(completions.count, 0)
    }

    func testClosingEndsEveryWaitNowAndLater() async {
        let completions = JobCompletions()
        let before = completions.register(["c\u{0}a"], until: later)
        async let waiting = completions.wait(before)
        await settle()
        completions.close()
        let outcome = await waiting
        XCTAssertEqual(outcome, .cancelled)
        let after = completions.register(["c\u{0}b"], until: later)
        let afterOutcome = await completions.wait(after)
        XCTAssertEqual(afterOutcome, .cancelled)
        XCTAssertEqual(completions.count, 0)
    }

    func testWaitsOfOtherClientsAreSeparate() async {
        let completions = JobCompletions()
        let mine = completions.register([JobCache.key(client: "127.0.0.1", id: "same")], until: later)
        completions.finished(JobCache.key(client: "127.0.0.2", id: "same"))
        completions.expire(now: later)
        let outcome = await completions.wait(mine)
        XCTAssertEqual(outcome, .timedOut, "another client's job of the same id ended this wait")
    }
}

import XCTest

@testable import Supervisor

/// The supervisor's restart rule, without processes or a clock: back-off, recovery, the
/// intensity limit. Times are offsets from the supervisor's start.
final class RestartPolicyTests: XCTestCase {
    let policy = RestartPolicy(initialDelay: .milliseconds(100), maxDelay: .seconds(1), intensity: 3, period: .seconds(30))

    func testFirstCrashRestartsAfterTheInitialDelay() {
        var history = RestartPolicy.History()
        XCTAssertEqual(policy.decide(exitAt: .seconds(5), startedAt: .seconds(4), history: &history), .restart(after: .milliseconds(100)))
    }

    func testBackOffDoublesPerConsecutiveFailureUpToTheMaximum() {
        let policy = RestartPolicy(initialDelay: .milliseconds(100), maxDelay: .seconds(1), intensity: 100, period: .seconds(30))
        var history = RestartPolicy.History()
        var delays: [Duration] = []
        var now = Duration.zero
        for _ in 0..<6 {
            guard case .restart(let delay) = policy.decide(exitAt: now + .seconds(1), startedAt: now, history: &history) else {
                return XCTFail("gave up too early")
            }
            delays.append(delay)
            now += .seconds(1) + delay
        }
        XCTAssertEqual(delays, [100, 200, 400, 800, 1000, 1000].map { .milliseconds($0) })
    }

    func testGivesUpPastTheIntensityWithinThePeriod() {
        var history = RestartPolicy.History()
        for time in [1, 2, 3].map(Duration.seconds) {
            guard case .restart = policy.decide(exitAt: time, startedAt: time - .milliseconds(500), history: &history) else {
                return XCTFail("gave up at \(time)")
            }
        }
        XCTAssertEqual(policy.decide(exitAt: .seconds(4), startedAt: .seconds(3.5), history: &history),
                       .giveUp(restarts: 3, within: .seconds(30)))
    }

    func testRestartsOlderThanThePeriodNoLongerCount() {
        var history = RestartPolicy.History()
        for time in [1, 2, 3].map(Duration.seconds) {
            _ = policy.decide(exitAt: time, startedAt: time - .milliseconds(500), history: &history)
        }
        // 31 s after the first restart: that one has left the window, so one more is allowed.
        guard case .restart = policy.decide(exitAt: .seconds(31.5), startedAt: .seconds(31), history: &history) else {
            return XCTFail("restarts outside the period were counted")
        }
        XCTAssertEqual(policy.decide(exitAt: .seconds(31.6), startedAt: .seconds(31.55), history: &history),
                       .giveUp(restarts: 3, within: .seconds(30)))
    }

    func testAWorkerThatStayedUpForThePeriodStartsTheBackOffAgain() {
        let policy = RestartPolicy(initialDelay: .milliseconds(100), maxDelay: .seconds(10), intensity: 100, period: .seconds(30))
        var history = RestartPolicy.History()
        _ = policy.decide(exitAt: .seconds(1), startedAt: .zero, history: &history)
        _ = policy.decide(exitAt: .seconds(2), startedAt: .seconds(1.1), history: &history)
        XCTAssertEqual(policy.decide(exitAt: .seconds(3), startedAt: .seconds(2.2), history: &history), .restart(after: .milliseconds(400)))
        // Up for 40 s (longer than the period): healthy again, so the initial delay.
        XCTAssertEqual(policy.decide(exitAt: .seconds(43), startedAt: .seconds(3), history: &history), .restart(after: .milliseconds(100)))
    }

    func testZeroIntensityNeverRestarts() {
        let policy = RestartPolicy(initialDelay: .milliseconds(100), maxDelay: .seconds(1), intensity: 0, period: .seconds(30))
        var history = RestartPolicy.History()
        XCTAssertEqual(policy.decide(exitAt: .seconds(1), startedAt: .zero, history: &history), .giveUp(restarts: 0, within: .seconds(30)))
    }
}

import XCTest

@testable import Supervisor

/// The supervisor's restart rule, without processes: back-off, recovery, the intensity limit.
final class RestartPolicyTests: XCTestCase {
    let policy = RestartPolicy(initialDelay: 0.1, maxDelay: 1, intensity: 3, period: 30)

    func testFirstCrashRestartsAfterTheInitialDelay() {
        var history = RestartPolicy.History()
        XCTAssertEqual(policy.decide(exitAt: 5, startedAt: 4, history: &history), .restart(after: 0.1))
    }

    func testBackOffDoublesPerConsecutiveFailureUpToTheMaximum() {
        let policy = RestartPolicy(initialDelay: 0.1, maxDelay: 1, intensity: 100, period: 30)
        var history = RestartPolicy.History()
        var delays: [Double] = []
        var now = 0.0
        for _ in 0..<6 {
            guard case .restart(let delay) = policy.decide(exitAt: now + 1, startedAt: now, history: &history) else {
                return XCTFail("gave up too early")
            }
            delays.append(delay)
            now += 1 + delay
        }
        XCTAssertEqual(delays.count, 6)
        for (delay, expected) in zip(delays, [0.1, 0.2, 0.4, 0.8, 1, 1]) {
            XCTAssertEqual(delay, expected, accuracy: 1e-9)
        }
    }

    func testGivesUpPastTheIntensityWithinThePeriod() {
        var history = RestartPolicy.History()
        for time in [1.0, 2, 3] {
            guard case .restart = policy.decide(exitAt: time, startedAt: time - 0.5, history: &history) else {
                return XCTFail("gave up at \(time)")
            }
        }
        XCTAssertEqual(policy.decide(exitAt: 4, startedAt: 3.5, history: &history), .giveUp(restarts: 3, within: 30))
    }

    func testRestartsOlderThanThePeriodNoLongerCount() {
        var history = RestartPolicy.History()
        for time in [1.0, 2, 3] { _ = policy.decide(exitAt: time, startedAt: time - 0.5, history: &history) }
        // 31 s after the first restart: that one has left the window, so one more is allowed.
        guard case .restart = policy.decide(exitAt: 31.5, startedAt: 31, history: &history) else {
            return XCTFail("restarts outside the period were counted")
        }
        XCTAssertEqual(policy.decide(exitAt: 31.6, startedAt: 31.55, history: &history), .giveUp(restarts: 3, within: 30))
    }

    func testAWorkerThatStayedUpForThePeriodStartsTheBackOffAgain() {
        let policy = RestartPolicy(initialDelay: 0.1, maxDelay: 10, intensity: 100, period: 30)
        var history = RestartPolicy.History()
        _ = policy.decide(exitAt: 1, startedAt: 0, history: &history)
        _ = policy.decide(exitAt: 2, startedAt: 1.1, history: &history)
        XCTAssertEqual(policy.decide(exitAt: 3, startedAt: 2.2, history: &history), .restart(after: 0.4))
        // Up for 40 s (longer than the period): healthy again, so the initial delay.
        XCTAssertEqual(policy.decide(exitAt: 43, startedAt: 3, history: &history), .restart(after: 0.1))
    }

    func testZeroIntensityNeverRestarts() {
        let policy = RestartPolicy(initialDelay: 0.1, maxDelay: 1, intensity: 0, period: 30)
        var history = RestartPolicy.History()
        XCTAssertEqual(policy.decide(exitAt: 1, startedAt: 0, history: &history), .giveUp(restarts: 0, within: 30))
    }
}

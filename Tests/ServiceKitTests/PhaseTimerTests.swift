import NIOCore
import Testing

@testable import ServiceKit

/// `PhaseTimer`: the connection guard's lazily re-armed timer closes a connection exactly when the
/// old one-timer-per-phase scheme did, with far fewer timers scheduled.
@Suite("phase timer")
struct PhaseTimerTests {
    let start = NIODeadline.uptimeNanoseconds(1_000_000_000_000)

    func at(_ seconds: Double) -> NIODeadline { start + .nanoseconds(Int64(seconds * 1e9)) }

    @Test("a busy keep-alive connection schedules about one timer per header timeout")
    func keepAliveSchedulesFewTimers() {
        var timer = PhaseTimer()
        var scheduled = 0
        var armed: NIODeadline?
        func enter(_ deadline: NIODeadline?) {
            if let due = timer.enter(deadline: deadline) { scheduled += 1; armed = due }
        }
        func advance(to now: NIODeadline) {
            while let due = armed, due <= now {
                armed = nil
                switch timer.fire(now: due) {
                case .expired: Issue.record("closed at \(due) while requests kept coming")
                case .rearm(let next): scheduled += 1; armed = next
                case .nothing: break
                }
            }
        }
        enter(at(60))  // idle, 60 s
        // 100 requests a second for 30 s: first byte, headers, end of body, response ended.
        for request in 0..<3_000 {
            let t = Double(request) / 100 + 0.001
            advance(to: at(t))
            enter(at(t + 10))  // headers begun: 10 s
            enter(at(t + 30))  // headers complete: body, 30 s
            enter(nil)         // body complete: responding, no timeout
            enter(at(t + 60))  // response ended: idle again
        }
        // One timer per phase change would have been 12,001.
        #expect(scheduled <= 10, "scheduled \(scheduled)")
    }

    @Test("the connection is closed when its phase's deadline passes, as with one timer per phase")
    func closesWhenTheOldSchemeDid() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            var timer = PhaseTimer()
            var armed: NIODeadline?
            var reference: NIODeadline?  // the current phase's deadline, as the old guard kept it
            var closedAt: NIODeadline?
            var now = 0.0
            func advance(to t: Double) {
                while closedAt == nil, let due = armed, due <= at(t) {
                    armed = nil
                    switch timer.fire(now: due) {
                    case .expired: closedAt = due
                    case .rearm(let next): armed = next
                    case .nothing: break
                    }
                }
            }
            for _ in 0..<40 where closedAt == nil {
                now += Double.random(in: 0...4, using: &generator)
                // Where the old guard would have closed: its phase's deadline passed first.
                if let deadline = reference, deadline <= at(now) {
                    advance(to: now)
                    #expect(closedAt == deadline)
                    break
                }
                advance(to: now)
                #expect(closedAt == nil)
                let timeout: Double? = [1.0, 2.5, 6.0, nil].randomElement(using: &generator) ?? nil
                reference = timeout.map { at(now + $0) }
                if let due = timer.enter(deadline: reference) { armed = due }
            }
        }
    }

    @Test("while responding nothing expires, and a stopped timer has nothing due")
    func respondingAndStopped() {
        var timer = PhaseTimer()
        #expect(timer.enter(deadline: at(10)) == at(10))
        #expect(timer.enter(deadline: nil) == nil)
        #expect(timer.fire(now: at(10)) == .nothing)
        #expect(timer.enter(deadline: at(20)) == at(20), "nothing armed after an idle firing: schedule again")
        #expect(timer.enter(deadline: at(5)) == at(5), "a sooner deadline replaces the armed timer")
        #expect(timer.fire(now: at(5)) == .expired)
        timer.stop()
        #expect(timer.deadline == nil && timer.armedAt == nil)
    }
}

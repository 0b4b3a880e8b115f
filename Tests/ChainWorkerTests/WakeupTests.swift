@testable import ChainWorker
import XCTest

/// A pause much longer than any check here needs: a wait that lasts it means the way the check
/// expects it to end did not work (the assertion then fails after 20 s instead of hanging).
private let pause = Duration.seconds(20)

/// `Wakeup`: the delivery scheduler's pause between ticks, ended early by the sync.
final class WakeupTests: XCTestCase {
    let clock = ContinuousClock()

    func testARingEndsAWaitInProgress() async {
        let wakeup = Wakeup()
        let started = clock.now
        let waiting = Task { [clock] in await wakeup.wait(upTo: pause, clock: clock) }
        try? await Task.sleep(for: .milliseconds(50))  // let the wait begin (a ring before it is the next test)
        wakeup.ring()
        await waiting.value
        XCTAssertLessThan(started.duration(to: clock.now), .seconds(5), "the ring did not end the wait")
    }

    func testARingWhileBusyEndsTheNextWaitAtOnceAndOnlyThatOne() async {
        let wakeup = Wakeup()
        wakeup.ring()
        wakeup.ring()  // a burst asks for one more pass
        let started = clock.now
        await wakeup.wait(upTo: pause, clock: clock)
        XCTAssertLessThan(started.duration(to: clock.now), .seconds(5), "a ring before the wait was lost")
        // The burst was used up: the next wait lasts its time.
        let second = clock.now
        await wakeup.wait(upTo: .milliseconds(200), clock: clock)
        XCTAssertGreaterThanOrEqual(second.duration(to: clock.now), .milliseconds(190), "an old ring ended a later wait")
    }

    func testAWaitEndsWhenItsTimeIsUpAndWhenCancelled() async {
        let wakeup = Wakeup()
        var started = clock.now
        await wakeup.wait(upTo: .milliseconds(100), clock: clock)
        XCTAssertGreaterThanOrEqual(started.duration(to: clock.now), .milliseconds(95))
        started = clock.now
        let waiting = Task { [clock] in await wakeup.wait(upTo: pause, clock: clock) }
        try? await Task.sleep(for: .milliseconds(20))
        waiting.cancel()
        await waiting.value
        // Cancelled before the wait even began: it returns at once too.
        let early = Task { [clock] in
            withUnsafeCurrentTask { $0?.cancel() }
            await wakeup.wait(upTo: pause, clock: clock)
        }
        await early.value
        XCTAssertLessThan(started.duration(to: clock.now), .seconds(5), "cancellation did not end a wait")
    }

    /// Rings racing waits, many times over: every ring ends the wait it races (none is lost
    /// between the check for an earlier ring and the wait).
    func testRingsRacingWaitsAreNeverLost() async {
        let wakeup = Wakeup()
        let started = clock.now
        for _ in 0..<500 {
            async let waited: Void = wakeup.wait(upTo: pause, clock: ContinuousClock())
            wakeup.ring()
            await waited
        }
        XCTAssertLessThan(started.duration(to: clock.now), .seconds(10), "a ring was lost")
    }
}

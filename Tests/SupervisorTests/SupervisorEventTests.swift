import Foundation
import Logging
import XCTest

@testable import Supervisor

/// The supervisor's event path (process exits and drains posted from other threads, handled by
/// `handleEvents()`), with `/bin/sh` as the worker: no node, no bus.
final class SupervisorEventTests: XCTestCase {
    func supervisor(_ script: String, intensity: Int = 3, grace: Duration = .milliseconds(300)) -> Supervisor {
        var logger = Logger(label: "supervisor-test")
        logger.logLevel = .critical
        return Supervisor(
            specs: [WorkerSpec(name: "worker", executable: "/bin/sh", arguments: ["-c", script])],
            policy: RestartPolicy(initialDelay: .milliseconds(10), maxDelay: .milliseconds(50), intensity: intensity, period: .seconds(30)),
            grace: grace, notifier: SystemdNotifier(environment: [:]), logger: logger)
    }

    struct StillRunning: Error {}

    /// `waitUntilFinished()`, bounded: a supervisor that never finishes fails the test.
    func finished(_ supervisor: Supervisor, within limit: Duration = .seconds(10)) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await supervisor.waitUntilFinished() }
            group.addTask {
                try await Task.sleep(for: limit)
                throw StillRunning()
            }
            defer { group.cancelAll() }
            try await group.next()
        }
    }

    func testAWorkerThatKeepsCrashingIsRestartedThenGivenUpOn() async throws {
        let supervisor = supervisor("exit 3")
        let events = Task { await supervisor.handleEvents() }
        defer { events.cancel() }
        await supervisor.startAll()
        do {
            try await finished(supervisor)
            XCTFail("the supervisor did not give up")
        } catch SupervisorExit.restartIntensityExceeded(let worker, let restarts, let within) {
            XCTAssertEqual(worker, "worker")
            XCTAssertEqual(restarts, 3)  // three restarts, then the fourth exit gives up
            XCTAssertEqual(within, .seconds(30))
        }
        let running = await supervisor.runningPIDs
        XCTAssertTrue(running.isEmpty, "\(running)")
    }

    func testADrainPostedFromOutsideStopsTheWorkers() async throws {
        let supervisor = supervisor("exec sleep 30")
        let events = Task { await supervisor.handleEvents() }
        defer { events.cancel() }
        await supervisor.startAll()
        let pids = await supervisor.runningPIDs
        let pid = try XCTUnwrap(pids["worker"])
        let started = ContinuousClock.now
        supervisor.post(.drain)
        // SIGTERM, then SIGKILL after the 0.3 s grace (the test runner may hand its children a
        // blocked SIGTERM); either way the exit is handled and the drain completes.
        try await finished(supervisor)
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(5))
        let stillRunning = await supervisor.runningPIDs
        XCTAssertTrue(stillRunning.isEmpty)
        XCTAssertNotEqual(kill(pid, 0), 0, "the worker process is still alive")
    }

    func testCancellingTheEventHandlerStopsRestarts() async throws {
        let supervisor = supervisor("exit 1", intensity: 1000)
        let events = Task { await supervisor.handleEvents() }
        await supervisor.startAll()
        try await Task.sleep(for: .milliseconds(200))
        events.cancel()
        await events.value
        // Whatever was running when the handler stopped exits, and nothing starts it again.
        let before = await supervisor.runningPIDs
        try await Task.sleep(for: .milliseconds(300))
        let after = await supervisor.runningPIDs
        XCTAssertEqual(before, after, "a worker was restarted after the handler was cancelled")
        XCTAssertTrue(after.values.allSatisfy { kill($0, 0) != 0 }, "\(after)")
    }
}

import AsyncHTTPClient
import ComputeWorker
import Foundation
import InfernetBus
import InfernetCore
import Logging

/// Why the supervisor stopped.
public enum SupervisorExit: Error, CustomStringConvertible, Sendable {
    case restartIntensityExceeded(worker: String, restarts: Int, within: Duration)
    case busUnavailable(String)
    case cannotStart(worker: String, reason: String)

    public var description: String {
        switch self {
        case .restartIntensityExceeded(let worker, let restarts, let within):
            "worker '\(worker)' needed \(restarts) restarts within \(within.components.seconds) s; giving up so the service manager restarts the node"
        case .busUnavailable(let reason): "the bus could not start: \(reason)"
        case .cannotStart(let worker, let reason): "worker '\(worker)' could not start: \(reason)"
        }
    }
}

/// Keeps the worker processes running: starts them, restarts those that exit or stop
/// answering heartbeats (with back-off, within a restart-intensity limit), and drains them.
public actor Supervisor {
    struct Child {
        var spec: WorkerSpec
        var process: Process?
        /// Since the supervisor's `epoch`.
        var startedAt = Duration.zero
        var history = RestartPolicy.History()
        var joined = false
    }

    let policy: RestartPolicy
    let grace: Duration
    let logger: Logger
    let notifier: SystemdNotifier
    private var children: [String: Child] = [:]
    private var order: [String] = []
    private var draining = false
    private var failure: SupervisorExit?
    /// Signalled once the supervisor has given up or drained (a stream, so a cancelled waiter
    /// stops waiting).
    private nonisolated let finished: AsyncStream<Void>
    private nonisolated let finishedSink: AsyncStream<Void>.Continuation
    private var readySent = false
    /// Restart times are kept as durations since this instant (`RestartPolicy` is a pure rule).
    private let epoch = ContinuousClock.now
    weak var broker: Broker?

    /// What reaches the supervisor from other threads (the broker's observer, process exits,
    /// a graceful shutdown): callbacks only post these; `handleEvents()` runs them, inside the
    /// node's service group, so every piece of work has an owner that cancels it.
    enum Event: Sendable {
        case peerJoined(pid: Int32)
        case peerLost(pid: Int32)
        case exited(name: String, pid: Int32, status: Int32)
        case drain
    }

    private nonisolated let events: AsyncStream<Event>
    private nonisolated let eventSink: AsyncStream<Event>.Continuation

    public init(specs: [WorkerSpec], policy: RestartPolicy, grace: Duration, notifier: SystemdNotifier, logger: Logger) {
        self.policy = policy
        self.grace = grace
        self.notifier = notifier
        self.logger = logger
        (events, eventSink) = AsyncStream.makeStream(of: Event.self)
        (finished, finishedSink) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        for spec in specs {
            children[spec.name] = Child(spec: spec)
            order.append(spec.name)
        }
    }

    /// Posts an event from any thread (handled by `handleEvents()`).
    nonisolated func post(_ event: Event) { eventSink.yield(event) }

    /// Handles posted events until cancelled. Bus observations are handled in order; an exit
    /// (which may wait out a back-off) and a drain run as child tasks of this one.
    nonisolated func handleEvents() async {
        await withDiscardingTaskGroup { group in
            for await event in events {
                switch event {
                case .peerJoined(let pid): await peerJoined(pid: pid)
                case .peerLost(let pid): await peerLost(pid: pid)
                case .exited(let name, let pid, let status): group.addTask { await self.exited(name, pid: pid, status: status) }
                case .drain: group.addTask { await self.drain() }
                }
            }
        }
    }

    func attach(_ broker: Broker) { self.broker = broker }

    public func startAll() async {
        for name in order { await launch(name) }
    }

    /// Waits until the supervisor gives up (throws) or a drain completes (returns); a cancelled
    /// waiter throws `CancellationError`.
    public func waitUntilFinished() async throws {
        var done = failure != nil || (draining && children.values.allSatisfy({ $0.process == nil }))
        if !done {
            for await _ in finished {
                done = true
                break
            }
        }
        if let failure { throw failure }
        if !done { throw CancellationError() }  // the waiter was cancelled first
    }

    public var runningPIDs: [String: Int32] {
        children.compactMapValues { child in child.process.map { $0.processIdentifier } }
    }

    // MARK: Events

    func peerJoined(pid: Int32) {
        guard let name = children.first(where: { $0.value.process?.processIdentifier == pid })?.key else { return }
        children[name]?.joined = true
        if !readySent, children.values.allSatisfy(\.joined) {
            readySent = true
            logger.info("node ready: all workers joined the bus", metadata: ["workers": "\(order.joined(separator: ","))"])
            notifier.ready()
        }
    }

    /// A worker stopped answering heartbeats: kill it so it is restarted like a crash.
    func peerLost(pid: Int32) {
        guard !draining, let child = children.values.first(where: { $0.process?.processIdentifier == pid }) else { return }
        logger.warning("worker stopped answering heartbeats; killing it", metadata: ["worker": "\(child.spec.name)", "pid": "\(pid)"])
        kill(pid, SIGKILL)
    }

    private func exited(_ name: String, pid: Int32, status: Int32) async {
        guard var child = children[name], child.process?.processIdentifier == pid else { return }
        child.process = nil
        child.joined = false
        children[name] = child
        broker?.processExited(pid: pid)
        if draining {
            logger.info("worker stopped", metadata: ["worker": "\(name)", "status": "\(status)"])
            if children.values.allSatisfy({ $0.process == nil }) { finish() }
            return
        }
        var history = child.history
        let decision = policy.decide(exitAt: sinceStart, startedAt: child.startedAt, history: &history)
        children[name]?.history = history
        switch decision {
        case .restart(let delay):
            logger.warning("worker exited; restarting", metadata: ["worker": "\(name)", "status": "\(status)", "delay": "\(delay)"])
            try? await Task.sleep(for: delay)
            if !draining && !Task.isCancelled { await launch(name) }
        case .giveUp(let restarts, let within):
            let reason = SupervisorExit.restartIntensityExceeded(worker: name, restarts: restarts, within: within)
            failure = reason
            logger.critical("\(reason)")
            await drain()
        }
    }

    private func launch(_ name: String) async {
        guard let spec = children[name]?.spec else { return }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: spec.executable)
        process.arguments = spec.arguments
        // The worker arms a parent-death signal against this PID (ParentWatch): no orphans
        // after a `kill -9` of the supervisor.
        var environment = ProcessInfo.processInfo.environment
        environment[ParentWatch.variable] = String(getpid())
        process.environment = environment
        let sink = eventSink
        process.terminationHandler = { finished in
            sink.yield(.exited(name: name, pid: finished.processIdentifier, status: finished.terminationStatus))
        }
        // Recorded before the start's suspension point: the exit of a worker that dies at once
        // (or its bus join) may be handled while `launch` awaits, and is matched by this process.
        children[name]?.process = process
        children[name]?.startedAt = sinceStart
        do {
            try await SpawnThread.shared.start(process)
            logger.info("worker started", metadata: ["worker": "\(name)", "pid": "\(process.processIdentifier)"])
        } catch {
            children[name]?.process = nil
            logger.error("worker could not start", metadata: ["worker": "\(name)", "executable": "\(spec.executable)", "error": "\(error)"])
            failure = .cannotStart(worker: name, reason: "\(spec.executable): \(error)")
            finish()
        }
    }

    // MARK: Drain

    /// SIGTERM the gateway first (it stops taking jobs and lets running ones finish), then the
    /// other workers; whatever is still alive after the grace period is killed.
    public func drain() async {
        guard !draining else { return }
        draining = true
        notifier.stopping()
        let deadline = ContinuousClock.now + grace
        let front = order.filter { $0 == BusService.gateway.rawValue }
        let rest = order.filter { $0 != BusService.gateway.rawValue }
        for group in [front, rest] {
            for name in group { if let pid = children[name]?.process?.processIdentifier { kill(pid, SIGTERM) } }
            while group.contains(where: { children[$0]?.process != nil }), ContinuousClock.now < deadline {
                try? await Task.sleep(for: .milliseconds(20))
            }
        }
        for child in children.values {
            if let pid = child.process?.processIdentifier {
                logger.warning("worker did not stop within the grace period; killing it", metadata: ["worker": "\(child.spec.name)"])
                kill(pid, SIGKILL)
            }
        }
        while children.values.contains(where: { $0.process != nil }) { try? await Task.sleep(for: .milliseconds(10)) }
        finish()
    }

    private var sinceStart: Duration { epoch.duration(to: .now) }

    private func finish() {
        finishedSink.yield()
    }
}

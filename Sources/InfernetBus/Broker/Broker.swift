import InfernetCore
import CZeroMQ
import Logging
import ServiceLifecycle
import Synchronization

/// The bus broker: a ROUTER socket on its own thread, applying `BrokerState`'s rules.
///
/// Nothing happens in `init`: `start()` binds and starts the thread (or run it as a `Service`,
/// which starts it and stops it when the group shuts down).
public final class Broker: Service, Sendable {
    public struct Options: Sendable {
        public var endpoint: String
        public var heartbeatInterval: Duration
        public var liveness: Int
        /// How long a request may wait for a worker before it fails back to its sender.
        public var queueTimeout: Duration

        public init(endpoint: String, heartbeatInterval: Duration = .milliseconds(250), liveness: Int = 4,
                    queueTimeout: Duration = .seconds(30)) {
            self.endpoint = endpoint
            self.heartbeatInterval = heartbeatInterval
            self.liveness = liveness
            self.queueTimeout = queueTimeout
        }
    }

    /// Things the supervisor wants to know about, called on the broker's thread.
    public struct Observer: Sendable {
        public var peerJoined: @Sendable (PeerAnnouncement) -> Void = { _ in }
        public var peerLost: @Sendable (PeerAnnouncement) -> Void = { _ in }
        public init() {}
    }

    private let options: Options
    private let core: BrokerCore
    private let loop = Mutex<SocketLoop?>(nil)

    public init(options: Options, observer: Observer = Observer(), logger: Logger) {
        self.options = options
        core = BrokerCore(
            state: BrokerState(liveness: options.heartbeatInterval * options.liveness,
                               queueTimeout: options.queueTimeout),
            observer: observer, logger: logger)
    }

    /// Binds the endpoint and starts the broker's thread; a second call does nothing.
    public func start() throws(ZMQError) {
        let started = try loop.withLock { loop throws(ZMQError) -> Bool in
            guard loop == nil else { return false }
            let socket = try ZMQSocket(.router)
            // A restarted peer reconnects with the same identity; the new connection takes over.
            socket.setOption(ZMQ_ROUTER_HANDOVER, 1)
            try socket.bind(options.endpoint)
            let core = self.core
            loop = SocketLoop(
                socket: socket, tickInterval: options.heartbeatInterval,
                onFrames: { frames, loop in core.handle(frames, loop: loop) },
                onTick: { loop in core.tick(loop: loop) })
            return true
        }
        if started { loop.withLock { $0 }?.start(name: "bus-broker") }
    }

    /// As a service: start, run until the group shuts down or the task is cancelled, stop.
    public func run() async throws {
        try start()
        try? await gracefulShutdown()
        stop()
    }

    /// The supervisor saw a worker process exit: re-dispatch its work now.
    public func processExited(pid: Int32) {
        guard let loop = loop.withLock({ $0 }) else { return }
        loop.perform { [core, loop] in core.processExited(pid: pid, loop: loop) }
    }

    /// Figures as of the last heartbeat tick.
    public var statistics: BrokerStatistics? { core.latestStatistics.withLock { $0 } }

    public func stop() { loop.withLock { $0 }?.stop() }
}

import CZeroMQ
import Logging
import Synchronization

/// The bus broker: a ROUTER socket on its own thread, applying `BrokerState`'s rules.
public final class Broker: Sendable {
    public struct Options: Sendable {
        public var endpoint: String
        public var heartbeatInterval: Double
        public var liveness: Int
        /// Seconds a request may wait for a worker before it fails back to its sender.
        public var queueTimeout: Double

        public init(endpoint: String, heartbeatInterval: Double = 0.25, liveness: Int = 4, queueTimeout: Double = 30) {
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

    private let loop: SocketLoop
    private let core: BrokerCore

    public init(options: Options, observer: Observer = Observer(), logger: Logger) throws(ZMQError) {
        let socket = try ZMQSocket(.router)
        // A restarted peer reconnects with the same identity; the new connection takes over.
        socket.setOption(ZMQ_ROUTER_HANDOVER, 1)
        try socket.bind(options.endpoint)
        core = BrokerCore(
            state: BrokerState(liveness: options.heartbeatInterval * Double(options.liveness), queueTimeout: options.queueTimeout),
            observer: observer, logger: logger)
        let core = self.core
        loop = SocketLoop(
            socket: socket, tickInterval: options.heartbeatInterval,
            onFrames: { frames, loop in core.handle(frames, loop: loop) },
            onTick: { loop in
                core.tick(loop: loop)
            })
        loop.start(name: "bus-broker")
    }

    /// The supervisor saw a worker process exit: re-dispatch its work now.
    public func processExited(pid: Int32) {
        loop.perform { [core, loop] in core.processExited(pid: pid, loop: loop) }
    }

    /// Figures as of the last heartbeat tick.
    public var statistics: BrokerStatistics? { core.latestStatistics.withLock { $0 } }

    public func stop() { loop.stop() }
}

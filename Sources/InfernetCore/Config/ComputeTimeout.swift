/// How long a node waits for the compute worker's answer to one job: the one rule both the
/// gateway (off-chain jobs) and the chain worker (deliveries) use, so the two cannot drift.
///
/// A job's wait is the sum of its containers' `timeout`s, capped by `node.job_deadline` (the
/// compute worker stops a job there anyway), plus a margin for the bus round trip; a stream
/// waits `node.stream_timeout` plus the margin.
public struct ComputeTimeout: Sendable, Equatable {
    /// Added for the trip over the bus and the worker's bookkeeping.
    public static let margin = Duration.seconds(5)
    /// A container the config does not name (the compute worker will refuse it) counts with
    /// the config's default container timeout.
    public static let unknownContainerTimeout = Duration.seconds(180)

    /// Each container's `timeout`, by id.
    public var containerTimeouts: [String: Duration]
    /// `node.job_deadline`.
    public var deadline: Duration
    /// `node.stream_timeout`.
    public var streamTimeout: Duration

    public init(containerTimeouts: [String: Duration], deadline: Duration, streamTimeout: Duration) {
        self.containerTimeouts = containerTimeouts
        self.deadline = deadline
        self.streamTimeout = streamTimeout
    }

    public init(config: NodeConfig) {
        self.init(containerTimeouts: Dictionary(config.containers.map { ($0.id, $0.timeout) }, uniquingKeysWith: { $1 }),
                  deadline: config.node.limits.deadline, streamTimeout: config.node.streamTimeout)
    }

    /// How long to wait for the answer to a job running `containers` in order.
    public func timeout(containers: [String], stream: Bool = false) -> Duration {
        if stream { return streamTimeout + Self.margin }
        let sum = containers.reduce(Duration.zero) { $0 + (containerTimeouts[$1] ?? Self.unknownContainerTimeout) }
        return min(sum, deadline) + Self.margin
    }
}

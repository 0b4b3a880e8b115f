/// How long a node waits for the compute worker's answer to one job: the one rule both the
/// gateway (off-chain jobs) and the chain worker (deliveries) use, so the two cannot drift.
///
/// A job's wait is the sum of its containers' `timeout`s, capped by `node.job_deadline` (the
/// compute worker stops a job there anyway), plus a margin for the bus round trip; a stream
/// waits `node.stream_timeout` plus the margin.
public struct ComputeTimeout: Sendable, Equatable {
    /// Seconds added for the trip over the bus and the worker's bookkeeping.
    public static let margin = 5.0
    /// A container the config does not name (the compute worker will refuse it) counts with
    /// the config's default container timeout.
    public static let unknownContainerTimeout = 180.0

    /// Each container's `timeout`, by id.
    public var containerTimeouts: [String: Double]
    /// `node.job_deadline`.
    public var deadline: Double
    /// `node.stream_timeout`.
    public var streamTimeout: Double

    public init(containerTimeouts: [String: Double], deadline: Double, streamTimeout: Double) {
        self.containerTimeouts = containerTimeouts
        self.deadline = deadline
        self.streamTimeout = streamTimeout
    }

    public init(config: NodeConfig) {
        self.init(containerTimeouts: Dictionary(config.containers.map { ($0.id, $0.timeout.inSeconds) }, uniquingKeysWith: { $1 }),
                  deadline: config.node.limits.deadline.inSeconds, streamTimeout: config.node.streamTimeout.inSeconds)
    }

    /// Seconds to wait for the answer to a job running `containers` in order.
    public func seconds(containers: [String], stream: Bool = false) -> Double {
        if stream { return streamTimeout + Self.margin }
        let sum = containers.reduce(0) { $0 + (containerTimeouts[$1] ?? Self.unknownContainerTimeout) }
        return min(sum, deadline) + Self.margin
    }
}

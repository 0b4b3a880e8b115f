import Foundation

/// How many NIO event loops a process runs; with `ProcessBootstrap` they also run all of its
/// Swift concurrency tasks. On a small host the node's processes, not threads inside each,
/// share the cores, and every extra loop adds cross-thread wake-ups to a request: in interleaved
/// runs on 2 cores (`scripts/bench-offchain.py`, docs/benchmarks.md) one loop per process used
/// less node CPU per off-chain job than one per core in every pair measured.
public enum EventLoopCount: Sendable, Equatable {
    /// One loop: the supervisor, the compute and payment workers, whose work is frames, I/O and
    /// waiting (more compute throughput comes from `node.compute_workers` processes).
    case one
    /// Half the cores, at least one: the HTTP front ends (the gateway, the services) and the
    /// chain worker, which signs and hashes.
    case halfTheCores

    /// The environment variable that overrides either choice for every process (a positive integer).
    public static let variable = "INFERNET_EVENT_LOOPS"

    /// The loop count on a host of `cores` cores; `override` is `INFERNET_EVENT_LOOPS` when set.
    public func loops(cores: Int, override: String?) throws(ConfigError) -> Int {
        if let override {
            guard let value = Int(override.trimmingCharacters(in: .whitespaces)), (1...1024).contains(value) else {
                throw ConfigError(key: Self.variable, "expected an integer from 1 to 1024, got '\(override)'")
            }
            return value
        }
        return switch self {
        case .one: 1
        case .halfTheCores: max(1, cores / 2)
        }
    }
}

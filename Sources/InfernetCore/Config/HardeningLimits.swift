/// Bounds on every off-chain job (keys under `node`). A job past one fails with an error that
/// names the key, so one hostile request cannot exhaust the node.
public struct JobLimits: Sendable, Equatable {
    /// `node.max_containers_per_job`: longest container chain one job may name.
    public var maxContainers = 32
    /// `node.max_request_body_bytes`: largest HTTP request body the gateway reads.
    public var maxRequestBodyBytes = 8 << 20
    /// `node.max_output_bytes_per_hop`: largest output one container may return.
    public var maxOutputBytesPerHop = 4 << 20
    /// `node.max_output_bytes_per_job`: largest sum of a job's outputs (all hops).
    public var maxOutputBytesPerJob = 16 << 20
    /// `node.job_deadline`: seconds a job (all its hops) may take, wall clock.
    public var deadline = 600.0
    /// `node.max_job_attempts`: sends of one job (the first included) before a job whose run
    /// was cut short by a dying worker or gateway is failed instead of re-sent ("poison job").
    public var maxAttempts = 3
    /// `node.job_retention`: seconds a finished off-chain job is kept (0: no age limit).
    public var retentionSeconds = 7 * 86_400.0
    /// `node.job_retention_count`: finished off-chain jobs kept at most (0: no count limit).
    public var retentionCount = 100_000
    /// `node.prune_interval`: seconds between prunes of finished jobs.
    public var pruneInterval = 60.0

    public init() {}

    /// The key's full name, for error messages.
    public static func key(_ name: String) -> String { "node.\(name)" }
}

/// Connection hygiene of the HTTP API (keys under `server`).
public struct ConnectionLimits: Sendable, Equatable {
    /// `server.idle_timeout`: seconds a connection may wait with no request (keep-alive idle).
    public var idleTimeout = 60.0
    /// `server.header_timeout`: seconds from a request's first byte to its complete headers.
    public var headerTimeout = 10.0
    /// `server.body_timeout`: seconds from a request's headers to the end of its body.
    public var bodyTimeout = 30.0
    /// `server.max_connections`: open connections at most; new ones beyond it are closed at once.
    public var maxConnections = 10_000

    public init() {}
}

extension NodeConfig {
    /// Reads the `node` bound keys (called from `readNodeOptions`).
    mutating func readJobLimits(_ section: inout ConfigSection) throws(ConfigError) {
        var limits = JobLimits()
        limits.maxContainers = try section.int("max_containers_per_job", default: limits.maxContainers, range: 1...100_000)
        limits.maxRequestBodyBytes = try section.int("max_request_body_bytes", default: limits.maxRequestBodyBytes, range: 1024...(1 << 31))
        limits.maxOutputBytesPerHop = try section.int("max_output_bytes_per_hop", default: limits.maxOutputBytesPerHop, range: 1...(1 << 31))
        limits.maxOutputBytesPerJob = try section.int("max_output_bytes_per_job", default: limits.maxOutputBytesPerJob, range: 1...(1 << 33))
        limits.deadline = try section.double("job_deadline", default: limits.deadline, minimum: 0.001)
        limits.maxAttempts = try section.int("max_job_attempts", default: limits.maxAttempts, range: 1...1000)
        limits.retentionSeconds = try section.double("job_retention", default: limits.retentionSeconds)
        limits.retentionCount = try section.int("job_retention_count", default: limits.retentionCount, range: 0...Int.max)
        limits.pruneInterval = try section.double("prune_interval", default: limits.pruneInterval, minimum: 0.01)
        node.limits = limits
    }

    /// Reads the `server` connection keys (called from `readServer`).
    mutating func readConnectionLimits(_ section: inout ConfigSection) throws(ConfigError) {
        var limits = ConnectionLimits()
        limits.idleTimeout = try section.double("idle_timeout", default: limits.idleTimeout, minimum: 0.01)
        limits.headerTimeout = try section.double("header_timeout", default: limits.headerTimeout, minimum: 0.01)
        limits.bodyTimeout = try section.double("body_timeout", default: limits.bodyTimeout, minimum: 0.01)
        limits.maxConnections = try section.int("max_connections", default: limits.maxConnections, range: 1...1_000_000)
        server.connections = limits
    }
}

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
    /// `node.job_deadline`: how long a job (all its hops) may take, wall clock.
    public var deadline: Duration = .seconds(600)
    /// `node.max_job_attempts`: sends of one job (the first included) before a job whose run
    /// was cut short by a dying worker or gateway is failed instead of re-sent ("poison job").
    public var maxAttempts = 3
    /// `node.job_retention`: how long a finished off-chain job is kept (zero: no age limit).
    public var retention: Duration = .seconds(7 * 86_400)
    /// `node.job_retention_count`: finished off-chain jobs kept at most (0: no count limit).
    public var retentionCount = 100_000
    /// `node.prune_interval`: time between prunes of finished jobs.
    public var pruneInterval: Duration = .seconds(60)

    public init() {}

    /// The key's full name, for error messages.
    public static func key(_ name: String) -> String { "node.\(name)" }
}

/// Connection hygiene of the HTTP API (keys under `server`).
public struct ConnectionLimits: Sendable, Equatable {
    /// `server.idle_timeout`: how long a connection may wait with no request (keep-alive idle).
    public var idleTimeout: Duration = .seconds(60)
    /// `server.header_timeout`: time from a request's first byte to its complete headers.
    public var headerTimeout: Duration = .seconds(10)
    /// `server.body_timeout`: time from a request's headers to the end of its body.
    public var bodyTimeout: Duration = .seconds(30)
    /// `server.max_connections`: open connections at most; new ones beyond it are closed at once.
    public var maxConnections = 10_000
    /// `server.job_status_wait`: how long `GET /api/jobs?id=` holds its answer while every job
    /// it names is still running, to answer the moment one finishes (zero: answer at once).
    public var jobStatusWait: Duration = .milliseconds(500)

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
        limits.deadline = try section.duration("job_deadline", default: limits.deadline, minimum: .milliseconds(1))
        limits.maxAttempts = try section.int("max_job_attempts", default: limits.maxAttempts, range: 1...1000)
        limits.retention = try section.duration("job_retention", default: limits.retention)
        limits.retentionCount = try section.int("job_retention_count", default: limits.retentionCount, range: 0...Int.max)
        limits.pruneInterval = try section.duration("prune_interval", default: limits.pruneInterval, minimum: .milliseconds(10))
        node.limits = limits
    }

    /// Reads the `server` connection keys (called from `readServer`).
    mutating func readConnectionLimits(_ section: inout ConfigSection) throws(ConfigError) {
        var limits = ConnectionLimits()
        limits.idleTimeout = try section.duration("idle_timeout", default: limits.idleTimeout, minimum: .milliseconds(10))
        limits.headerTimeout = try section.duration("header_timeout", default: limits.headerTimeout, minimum: .milliseconds(10))
        limits.bodyTimeout = try section.duration("body_timeout", default: limits.bodyTimeout, minimum: .milliseconds(10))
        limits.maxConnections = try section.int("max_connections", default: limits.maxConnections, range: 1...1_000_000)
        limits.jobStatusWait = try section.duration("job_status_wait", default: limits.jobStatusWait, maximum: .seconds(60))
        server.connections = limits
    }
}

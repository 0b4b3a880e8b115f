import EVM
import Foundation

/// The whole node configuration: the infernet-node 1.4 `config.json` keys, plus this node's own
/// keys under `node` (documented in deploy/README.md). Built and validated once at load
/// (`NodeConfig.load`): addresses, the key, URLs and durations are already typed, so workers
/// never parse config strings again.
public struct NodeConfig: Sendable, Equatable {
    public var log = LogConfig()
    public var manageContainers = true
    public var server = ServerConfig()
    public var chain = ChainConfig()
    public var dockerCredentials: DockerCredentials?
    public var forwardStats = true
    /// `startup_wait` (seconds in the file).
    public var startupWait: Duration = .seconds(5)
    public var containers: [ContainerConfig] = []
    public var node = NodeOptions()
    /// Notices about unknown or ignored keys, to be logged at start-up.
    public var warnings: [String] = []

    public init() {}

    public func container(id: String) -> ContainerConfig? { containers.first { $0.id == id } }
}

public struct LogConfig: Sendable, Equatable {
    public var path = "infernet_node.log"
    public var maxFileSize = 1 << 30
    public var backupCount = 2
}

public struct ServerConfig: Sendable, Equatable {
    public var port = 4000
    /// Address the HTTP API binds to (this node's key `server.bind_address`).
    public var bindAddress = "0.0.0.0"
    public var rateLimit = RateLimit()
    /// Timeouts and the connection cap (`server.idle_timeout`, ... see ConnectionLimits).
    public var connections = ConnectionLimits()

    public struct RateLimit: Sendable, Equatable {
        public var numRequests = 60
        /// `period` (seconds in the file).
        public var period: Duration = .seconds(60)
    }
}

public struct DockerCredentials: Sendable, Equatable {
    public var username: String
    public var password: Secret
}

public struct ChainConfig: Sendable, Equatable {
    public var enabled = false
    /// `chain.rpc_url`; nil when not given (required when `enabled`).
    public var rpcURL: URL?
    /// Extra RPC URLs for fail-over (this node's key `chain.rpc_urls`).
    public var extraRPCURLs: [URL] = []
    public var trailHeadBlocks = 1
    /// `chain.registry_address`; nil when not given (required when `enabled`).
    public var registryAddress: Address?
    public var wallet = Wallet()
    public var snapshotSync = SnapshotSync()

    public struct Wallet: Sendable, Equatable {
        public var maxGasLimit = 5_000_000
        /// `private_key` (or the variable named by `private_key_env`); nil when not given.
        public var privateKey: SecretKey?
        /// `payment_address`: the node's payment Wallet; nil when not given.
        public var paymentAddress: Address?
        public var allowedSimErrors: [String] = []
    }

    public struct SnapshotSync: Sendable, Equatable {
        /// Pause between snapshot batches (`sleep`, seconds in the file).
        public var sleep: Duration = .seconds(1)
        public var batchSize = 500
        public var startingSubID = 0
        /// How often new subscriptions are polled (`sync_period`, seconds in the file).
        public var syncPeriod: Duration = .milliseconds(500)
    }

    /// Every RPC URL, `rpc_url` first, for the JSON-RPC client's fail-over pool.
    public var rpcURLs: [URL] { (rpcURL.map { [$0] } ?? []) + extraRPCURLs }
}

/// This node's own settings (key `node`): process layout, bus, persistence, restarts.
public struct NodeOptions: Sendable, Equatable {
    /// Directory for the SQLite files (gateway.sqlite, chain.sqlite, payments.sqlite).
    public var dataDirectory = "var"
    /// Bus endpoint the supervisor binds: `ipc://PATH` or `tcp://HOST:PORT`. Empty: an ipc path
    /// in the data directory.
    public var busEndpoint = ""
    public var computeWorkers = 1
    /// Time between heartbeats on the bus; a peer silent for `heartbeatLiveness` beats is dead.
    public var heartbeatInterval: Duration = .milliseconds(250)
    public var heartbeatLiveness = 8
    public var restartBackoffInitial: Duration = .milliseconds(100)
    public var restartBackoffMax: Duration = .seconds(10)
    /// At most `restartIntensity` restarts of one worker within `restartPeriod`.
    public var restartIntensity = 5
    public var restartPeriod: Duration = .seconds(30)
    /// Time workers get to finish in-flight work after SIGTERM before they are killed.
    public var shutdownGrace: Duration = .seconds(10)
    /// Longest container chain whose container-set hash is recognised on chain.
    public var maxChainLength = 3
    /// How long a stream may take (the reference uses 60 s).
    public var streamTimeout: Duration = .seconds(60)
    /// Ceiling on any transaction's max fee per gas, in gwei (fees from eth_feeHistory never exceed it).
    public var maxFeePerGasGwei = 500.0
    /// Blocks a sent transaction may stay unmined before it is re-sent with higher fees.
    public var feeBumpBlocks = 3
    /// Blocks on top of a delivery's block before it counts as final (a reorg up to this deep
    /// re-sends it).
    public var confirmations = 4
    /// (subscription, interval) deliveries computed at once.
    public var deliveryConcurrency = 64
    /// A failed delivery waits this × 2^failures (at most 64×) before its next attempt.
    public var deliveryRetryDelay: Duration = .seconds(1)
    /// Bounds on every off-chain job and retention of finished ones (see JobLimits).
    public var limits = JobLimits()
    /// How `image` containers are run: the engine, pulls, published ports (keys `node.docker_*`).
    public var docker = DockerOptions()

    public init() {}

    public func resolvedBusEndpoint() -> String {
        if !busEndpoint.isEmpty { return busEndpoint }
        let directory = URL(fileURLWithPath: dataDirectory).standardizedFileURL.path
        return "ipc://\(directory)/bus.ipc"
    }
}

/// The Docker Engine API settings for `image` containers (this node's keys `node.docker_host`,
/// `node.docker_pull`, `node.docker_publish_address`).
public struct DockerOptions: Sendable, Equatable {
    /// When an image is pulled: `always` at start, only when `missing` locally, or `never`.
    public enum PullPolicy: String, Sendable, Equatable, CaseIterable {
        case always, missing, never
    }

    /// `unix:///path` or `tcp://host:port`; empty: `DOCKER_HOST`, else `unix:///var/run/docker.sock`.
    public var host = ""
    public var pull = PullPolicy.missing
    /// Host address a container's port 3000/tcp is published on.
    public var publishAddress = "127.0.0.1"

    public init() {}

    /// The engine endpoint: the config key, else `DOCKER_HOST`, else the default socket.
    public func resolvedHost(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if !host.isEmpty { return host }
        if let fromEnvironment = environment["DOCKER_HOST"], !fromEnvironment.isEmpty { return fromEnvironment }
        return "unix:///var/run/docker.sock"
    }
}

extension Duration {
    /// The duration as (fractional) seconds, for the APIs that still take `Double` seconds.
    public var inSeconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

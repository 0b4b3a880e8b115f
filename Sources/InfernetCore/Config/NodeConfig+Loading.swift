import EVM
import Foundation

extension NodeConfig {
    /// The config path: `--config` if given, else `INFERNET_CONFIG_PATH`, else `config.json`.
    public static func resolvePath(_ explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        explicit ?? environment["INFERNET_CONFIG_PATH"] ?? "config.json"
    }

    public static func load(path: String) throws(ConfigError) -> NodeConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(key: "", "cannot read config file '\(path)'")
        }
        let config = try parse(data)
        // From here on every log line of this process hides the config's secrets.
        Redaction.register(config: config)
        return config
    }

    public static func parse(_ bytes: some Collection<UInt8>) throws(ConfigError) -> NodeConfig {
        let value: JSONValue
        do {
            value = try JSONValue(parsing: bytes)
        } catch {
            throw ConfigError(key: "", "\(error)")
        }
        guard let object = value.objectValue else { throw ConfigError(key: "", "the top level must be a JSON object") }
        var root = ConfigSection(path: "", object: object)
        var config = NodeConfig()
        try config.read(&root)
        return config
    }

    private mutating func read(_ root: inout ConfigSection) throws(ConfigError) {
        var logSection = try root.section("log")
        log.path = try logSection.string("path", default: log.path)
        log.maxFileSize = try logSection.int("max_file_size", default: log.maxFileSize, range: 1...Int.max)
        log.backupCount = try logSection.int("backup_count", default: log.backupCount, range: 0...1000)
        warnings += logSection.unknownKeys.map(unknown)
        if logSection.object.count > 0 {
            warnings.append("config key 'log' is accepted but not used: every process logs to stderr (journald under systemd), with the level from INFERNET_LOG_LEVEL")
        }

        manageContainers = try root.bool("manage_containers", default: true)
        try readServer(&root)
        try readChain(&root)
        var docker = try root.section("docker")
        if let username = try docker.optionalString("username") {
            dockerCredentials = DockerCredentials(username: username, password: Secret(try docker.string("password", default: "")))
        }
        warnings += docker.unknownKeys.map(unknown)
        if root.accept("redis") {
            warnings.append("config key 'redis' is accepted and ignored: this node keeps jobs in SQLite")
        }
        forwardStats = try root.bool("forward_stats", default: true)
        startupWait = try root.duration("startup_wait", default: startupWait)
        try readContainers(&root)
        try readNodeOptions(&root)
        warnings += root.unknownKeys.map(unknown)
    }

    private func unknown(_ key: String) -> String { "unknown config key '\(key)' ignored" }

    private mutating func readServer(_ root: inout ConfigSection) throws(ConfigError) {
        var section = try root.section("server")
        server.port = try section.int("port", default: 4000, range: 1...65535)
        server.bindAddress = try section.string("bind_address", default: "0.0.0.0")
        var rate = try section.section("rate_limit")
        server.rateLimit.numRequests = try rate.int("num_requests", default: 60, range: 1...Int.max)
        server.rateLimit.period = try rate.duration("period", default: server.rateLimit.period, minimum: .milliseconds(1))
        try readConnectionLimits(&section)
        warnings += (section.unknownKeys + rate.unknownKeys).map(unknown)
    }

    private mutating func readChain(_ root: inout ConfigSection) throws(ConfigError) {
        var section = try root.section("chain")
        chain.enabled = try section.bool("enabled", default: false)
        let rpcURL = try section.string("rpc_url", default: "")
        let extraRPCURLs = try section.strings("rpc_urls")
        chain.trailHeadBlocks = try section.int("trail_head_blocks", default: 1, range: 0...10_000)
        let registry = try section.string("registry_address", default: "")
        var wallet = try section.section("wallet")
        chain.wallet.maxGasLimit = try wallet.int("max_gas_limit", default: 5_000_000, range: 21_000...Int.max)
        var key = try wallet.string("private_key", default: "")
        if let variable = try wallet.optionalString("private_key_env") {
            guard let fromEnvironment = ProcessInfo.processInfo.environment[variable], !fromEnvironment.isEmpty else {
                throw ConfigError(key: wallet.keyPath("private_key_env"), "environment variable '\(variable)' is not set")
            }
            key = fromEnvironment
        }
        let payment = try wallet.string("payment_address", default: "")
        chain.wallet.allowedSimErrors = try wallet.strings("allowed_sim_errors")
        var sync = try section.section("snapshot_sync")
        chain.snapshotSync.sleep = try sync.duration("sleep", default: chain.snapshotSync.sleep)
        chain.snapshotSync.batchSize = try sync.int("batch_size", default: 500, range: 1...100_000)
        chain.snapshotSync.startingSubID = try sync.int("starting_sub_id", default: 0, range: 0...Int(UInt32.max))
        chain.snapshotSync.syncPeriod = try sync.duration("sync_period", default: chain.snapshotSync.syncPeriod)
        warnings += (section.unknownKeys + wallet.unknownKeys + sync.unknownKeys).map(unknown)
        if chain.enabled {
            if rpcURL.isEmpty { throw ConfigError(key: "chain.rpc_url", "is required when chain.enabled is true") }
            if registry.isEmpty { throw ConfigError(key: "chain.registry_address", "is required when chain.enabled is true") }
            if key.isEmpty { throw ConfigError(key: "chain.wallet.private_key", "is required when chain.enabled is true") }
        }
        // Each value is parsed into its type here, once, and a wrong one names its key. Given
        // values are checked even with the chain off: the wallet commands use them too.
        chain.wallet.privateKey = key.isEmpty ? nil : try ConfigValidation.privateKey(key, keyPath: "chain.wallet.private_key")
        chain.registryAddress = registry.isEmpty ? nil : try ConfigValidation.address(registry, key: "chain.registry_address")
        chain.wallet.paymentAddress = payment.isEmpty
            ? nil : try ConfigValidation.address(payment, key: "chain.wallet.payment_address")
        chain.rpcURL = rpcURL.isEmpty ? nil : try ConfigValidation.rpcURL(rpcURL, key: "chain.rpc_url")
        chain.extraRPCURLs = []
        for (index, url) in extraRPCURLs.enumerated() where !url.isEmpty {
            chain.extraRPCURLs.append(try ConfigValidation.rpcURL(url, key: "chain.rpc_urls[\(index)]"))
        }
    }

    private mutating func readContainers(_ root: inout ConfigSection) throws(ConfigError) {
        var usedPorts = Set<Int>()
        for (index, element) in try root.list("containers").enumerated() {
            guard let object = element.objectValue else {
                throw ConfigError(key: "containers[\(index)]", "expected an object, got \(element.typeName)")
            }
            var section = ConfigSection(path: "containers[\(index)]", object: object)
            var container = try ContainerConfig(reading: &section)
            if containers.contains(where: { $0.id == container.id }) {
                throw ConfigError(key: "containers[\(index)].id", "duplicate container id '\(container.id)'")
            }
            if container.url.isEmpty && usedPorts.contains(container.port) {
                let requested = container.port
                container.port = ContainerConfig.nextFreePort(after: requested, avoiding: usedPorts)
                warnings.append("container '\(container.id)': port \(requested) is taken by another container, using \(container.port)")
            }
            if container.url.isEmpty { usedPorts.insert(container.port) }
            warnings += section.unknownKeys.map(unknown)
            containers.append(container)
        }
    }

    private mutating func readNodeOptions(_ root: inout ConfigSection) throws(ConfigError) {
        var section = try root.section("node")
        node.dataDirectory = try section.string("data_dir", default: node.dataDirectory)
        node.busEndpoint = try section.string("bus_endpoint", default: "")
        if !node.busEndpoint.isEmpty && !(node.busEndpoint.hasPrefix("ipc://") || node.busEndpoint.hasPrefix("tcp://")) {
            throw ConfigError(key: "node.bus_endpoint", "must start with ipc:// or tcp://")
        }
        node.computeWorkers = try section.int("compute_workers", default: 1, range: 0...64)
        node.heartbeatInterval = try section.duration("heartbeat_interval", default: node.heartbeatInterval, minimum: .milliseconds(10))
        node.heartbeatLiveness = try section.int("heartbeat_liveness", default: node.heartbeatLiveness, range: 2...100)
        node.restartBackoffInitial = try section.duration("restart_backoff_initial", default: node.restartBackoffInitial)
        node.restartBackoffMax = try section.duration("restart_backoff_max", default: node.restartBackoffMax)
        node.restartIntensity = try section.int("restart_intensity", default: node.restartIntensity, range: 1...1000)
        node.restartPeriod = try section.duration("restart_period", default: node.restartPeriod, minimum: .milliseconds(100))
        node.shutdownGrace = try section.duration("shutdown_grace", default: node.shutdownGrace)
        node.maxChainLength = try section.int("max_chain_length", default: node.maxChainLength, range: 1...6)
        node.streamTimeout = try section.duration("stream_timeout", default: node.streamTimeout, minimum: .milliseconds(1))
        node.maxFeePerGasGwei = try section.double("max_fee_per_gas_gwei", default: node.maxFeePerGasGwei, minimum: 0.000000001)
        node.feeBumpBlocks = try section.int("fee_bump_blocks", default: node.feeBumpBlocks, range: 1...1000)
        node.confirmations = try section.int("confirmations", default: node.confirmations, range: 0...1000)
        node.deliveryConcurrency = try section.int("delivery_concurrency", default: node.deliveryConcurrency, range: 1...1024)
        node.deliveryRetryDelay = try section.duration("delivery_retry_delay", default: node.deliveryRetryDelay,
                                                       minimum: .milliseconds(1), maximum: .seconds(3600))
        try readJobLimits(&section)
        node.docker.host = try section.string("docker_host", default: "")
        if !node.docker.host.isEmpty && !(node.docker.host.hasPrefix("unix://") || node.docker.host.hasPrefix("tcp://")) {
            throw ConfigError(key: "node.docker_host", "must start with unix:// or tcp://")
        }
        let pull = try section.string("docker_pull", default: node.docker.pull.rawValue)
        guard let policy = DockerOptions.PullPolicy(rawValue: pull) else {
            let allowed = DockerOptions.PullPolicy.allCases.map(\.rawValue).joined(separator: ", ")
            throw ConfigError(key: "node.docker_pull", "must be one of \(allowed), got '\(pull)'")
        }
        node.docker.pull = policy
        node.docker.publishAddress = try section.string("docker_publish_address", default: node.docker.publishAddress)
        warnings += section.unknownKeys.map(unknown)
    }
}

extension ContainerConfig {
    static func nextFreePort(after port: Int, avoiding used: Set<Int>) -> Int {
        var candidate = port
        while used.contains(candidate) || candidate == port { candidate = candidate >= 65535 ? 1024 : candidate + 1 }
        return candidate
    }
}

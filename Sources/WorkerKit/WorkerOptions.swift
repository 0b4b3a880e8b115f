import Foundation
import InfernetCore
import Logging

/// What every worker process is told on its command line by the supervisor (or an operator).
public struct WorkerOptions: Sendable {
    public var configPath: String
    /// Overrides the config's bus endpoint (remote compute workers use `tcp://HOST:PORT`).
    public var busEndpoint: String?
    /// The peer identity on the bus; stable across restarts so replies reach the new process.
    public var identity: String

    public init(configPath: String, busEndpoint: String?, identity: String) {
        self.configPath = configPath
        self.busEndpoint = busEndpoint
        self.identity = identity
    }

    /// Loads the config, logging its warnings. A config that cannot work throws: the process's
    /// `main` reports it and exits with EX_CONFIG (`WorkerMain.reportingConfigErrors`).
    public func loadConfig(logger: Logger) throws(ConfigError) -> NodeConfig {
        let config = try NodeConfig.load(path: configPath)
        for warning in config.warnings { logger.warning("\(warning)") }
        return config
    }

    public func endpoint(for config: NodeConfig) -> String { busEndpoint ?? config.node.resolvedBusEndpoint() }
}

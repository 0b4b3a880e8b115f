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

    /// Loads the config, logging its warnings; exits with a clear message on a config error.
    public func loadConfig(logger: Logger) -> NodeConfig {
        do {
            let config = try NodeConfig.load(path: configPath)
            for warning in config.warnings { logger.warning("\(warning)") }
            return config
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            exit(78)  // EX_CONFIG: systemd will not help by restarting a bad config quickly
        }
    }

    public func endpoint(for config: NodeConfig) -> String { busEndpoint ?? config.node.resolvedBusEndpoint() }
}

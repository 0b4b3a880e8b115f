import ArgumentParser
import InfernetCore

/// The command-line options every worker executable takes (the supervisor passes all three).
public struct WorkerArguments: ParsableArguments {
    @Option(help: "Path to config.json (else INFERNET_CONFIG_PATH, else config.json).")
    public var config: String?
    @Option(help: "Bus endpoint, ipc://PATH or tcp://HOST:PORT (default: from the config).")
    public var bus: String?
    @Option(help: "Identity on the bus (stable across restarts).")
    public var identity: String?

    public init() {}

    public func options(defaultIdentity: String) -> WorkerOptions {
        WorkerOptions(configPath: NodeConfig.resolvePath(config), busEndpoint: bus, identity: identity ?? defaultIdentity)
    }
}

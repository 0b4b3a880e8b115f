import ArgumentParser
import Gateway
import InfernetCore
import Logging

/// `infernet-gateway --config FILE [--bus ENDPOINT] [--identity NAME]`: the node's HTTP API for
/// off-chain jobs (normally started by `infernet-node`).
@main
struct GatewayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infernet-gateway", abstract: "The Infernet node's HTTP API for off-chain jobs.")

    @Option(name: .long, help: "Path of config.json (default: $INFERNET_CONFIG_PATH, else config.json).")
    var config: String?

    @Option(name: .long, help: "Bus endpoint (ipc://PATH or tcp://HOST:PORT); default from the config.")
    var bus: String?

    @Option(name: .long, help: "Identity on the bus.")
    var identity: String = "gateway"

    @Option(name: .long, help: "Log level (trace, debug, info, notice, warning, error, critical).")
    var logLevel: String = "info"

    func run() async throws {
        var logger = Logger(label: "infernet.gateway")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        let path = NodeConfig.resolvePath(config)
        let nodeConfig: NodeConfig
        do {
            nodeConfig = try NodeConfig.load(path: path)
        } catch {
            print("infernet-gateway: \(error)")
            throw ExitCode(78)  // EX_CONFIG
        }
        for warning in nodeConfig.warnings { logger.warning("\(warning)") }
        let endpoint = bus ?? nodeConfig.node.resolvedBusEndpoint()
        try await Gateway.run(config: nodeConfig, busEndpoint: endpoint, identity: identity, logger: logger)
    }
}

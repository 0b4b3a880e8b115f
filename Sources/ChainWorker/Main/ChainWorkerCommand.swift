import ArgumentParser
import ChainWorker
import InfernetCore
import WorkerKit

/// `infernet-chain`: the chain worker, started by the supervisor.
@main
struct ChainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "infernet-chain", abstract: "Infernet chain worker")

    @Option(help: "Path to config.json (else INFERNET_CONFIG_PATH, else config.json).")
    var config: String?
    @Option(help: "Bus endpoint (default: from the config).")
    var bus: String?
    @Option(help: "Identity on the bus.")
    var identity = "chain"

    func run() async throws {
        LoggingBootstrap.bootstrap(process: "infernet-chain")
        try await ChainWorkerApp(options: WorkerOptions(configPath: NodeConfig.resolvePath(config), busEndpoint: bus, identity: identity)).run()
    }
}

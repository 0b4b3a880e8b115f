import ArgumentParser
import PaymentWorker
import InfernetCore
import WorkerKit

/// `infernet-payment`: the payment worker, started by the supervisor.
@main
struct PaymentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "infernet-payment", abstract: "Infernet payment worker")

    @Option(help: "Path to config.json (else INFERNET_CONFIG_PATH, else config.json).")
    var config: String?
    @Option(help: "Bus endpoint (default: from the config).")
    var bus: String?
    @Option(help: "Identity on the bus.")
    var identity = "payment"

    func run() async throws {
        LoggingBootstrap.bootstrap(process: "infernet-payment")
        try await PaymentWorkerApp(options: WorkerOptions(configPath: NodeConfig.resolvePath(config), busEndpoint: bus, identity: identity)).run()
    }
}

import ArgumentParser
import InfernetBus
import InfernetCore
import Logging
import WorkerKit

/// `infernet-gateway --config FILE [--bus ENDPOINT] [--identity NAME]`: the node's HTTP API for
/// off-chain jobs, normally started by `infernet-node` (as `infernet-node worker infernet-gateway`,
/// or this executable).
public struct GatewayCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "infernet-gateway", abstract: "The Infernet node's HTTP API for off-chain jobs.")

    @OptionGroup var worker: WorkerArguments

    public init() {}

    public func run() async throws {
        ProcessBootstrap.start(process: "infernet-gateway", loops: .halfTheCores)
        let logger = Logger(label: "infernet.gateway")
        let options = worker.options(defaultIdentity: BusService.gateway.rawValue)
        try await WorkerMain.reportingConfigErrors(process: "infernet-gateway") {
            let config = try options.loadConfig(logger: logger)
            try await Gateway.run(config: config, busEndpoint: options.endpoint(for: config), identity: options.identity, logger: logger)
        }
    }
}

import ArgumentParser
import InfernetBus
import InfernetCore
import WorkerKit

/// `infernet-chain`: the chain worker, started by the supervisor.
public struct ChainCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(commandName: "infernet-chain", abstract: "Infernet chain worker")

    @OptionGroup var worker: WorkerArguments

    public init() {}

    public func run() async throws {
        ProcessBootstrap.start(process: "infernet-chain", loops: .halfTheCores)
        try await WorkerMain.reportingConfigErrors(process: "infernet-chain") {
            try await ChainWorkerApp(options: worker.options(defaultIdentity: BusService.chain.rawValue)).run()
        }
    }
}

import ArgumentParser
import InfernetBus
import InfernetCore
import WorkerKit

/// `infernet-payment`: the payment worker, started by the supervisor.
public struct PaymentCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(commandName: "infernet-payment", abstract: "Infernet payment worker")

    @OptionGroup var worker: WorkerArguments

    public init() {}

    public func run() async throws {
        ProcessBootstrap.start(process: "infernet-payment", loops: .one)
        try await WorkerMain.reportingConfigErrors(process: "infernet-payment") {
            try await PaymentWorkerApp(options: worker.options(defaultIdentity: BusService.payment.rawValue)).run()
        }
    }
}

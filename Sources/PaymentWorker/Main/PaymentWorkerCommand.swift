import ArgumentParser
import InfernetBus
import PaymentWorker
import InfernetCore
import WorkerKit

/// `infernet-payment`: the payment worker, started by the supervisor.
@main
struct PaymentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "infernet-payment", abstract: "Infernet payment worker")

    @OptionGroup var worker: WorkerArguments

    func run() async throws {
        ProcessBootstrap.start(process: "infernet-payment", loops: .one)
        try await WorkerMain.reportingConfigErrors(process: "infernet-payment") {
            try await PaymentWorkerApp(options: worker.options(defaultIdentity: BusService.payment.rawValue)).run()
        }
    }
}

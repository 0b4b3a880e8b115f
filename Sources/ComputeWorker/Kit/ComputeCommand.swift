import ArgumentParser
import Foundation
import InfernetCore
import WorkerKit

/// `infernet-compute`: runs containers for the node. Started by the supervisor, or by an
/// operator on a GPU host: `infernet-compute --bus tcp://HOST:PORT --config FILE --manage-containers`.
public struct ComputeCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(commandName: "infernet-compute", abstract: "Infernet compute worker")

    @OptionGroup var worker: WorkerArguments
    @Flag(help: "Start and supervise the config's command/image containers on this host.")
    var manageContainers = false
    @Option(help: "Requests served at once before the broker queues more.")
    var capacity = 1024

    public init() {}

    public func run() async throws {
        ProcessBootstrap.start(process: "infernet-compute", loops: .one)
        let options = worker.options(defaultIdentity: "compute-\(ProcessInfo.processInfo.hostName)-\(getpid())")
        try await WorkerMain.reportingConfigErrors(process: "infernet-compute") {
            try await ComputeWorkerApp(options: options, manageContainers: manageContainers, capacity: capacity).run()
        }
    }
}

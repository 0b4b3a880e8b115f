import ArgumentParser
import Foundation
import ComputeWorker
import InfernetCore
import WorkerKit

/// `infernet-compute`: runs containers for the node. Started by the supervisor, or by an
/// operator on a GPU host: `infernet-compute --bus tcp://HOST:PORT --config FILE --manage-containers`.
@main
struct ComputeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "infernet-compute", abstract: "Infernet compute worker")

    @Option(help: "Path to config.json (else INFERNET_CONFIG_PATH, else config.json).")
    var config: String?
    @Option(help: "Bus endpoint of the node's supervisor, e.g. tcp://10.0.0.5:5555 (default: from the config).")
    var bus: String?
    @Option(help: "Identity on the bus (default: compute-HOSTNAME-PID).")
    var identity: String?
    @Flag(help: "Start and supervise the config's command/image containers on this host.")
    var manageContainers = false
    @Option(help: "Requests served at once before the broker queues more.")
    var capacity = 1024

    func run() async throws {
        LoggingBootstrap.bootstrap(process: "infernet-compute")
        let name = identity ?? "compute-\(ProcessInfo.processInfo.hostName)-\(getpid())"
        let options = WorkerOptions(configPath: NodeConfig.resolvePath(config), busEndpoint: bus, identity: name)
        try await ComputeWorkerApp(options: options, manageContainers: manageContainers, capacity: capacity).run()
    }
}

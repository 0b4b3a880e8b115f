import ArgumentParser
import ChainWorker
import ComputeWorker
import Gateway
import PaymentWorker
import Supervisor

/// `infernet-node worker infernet-gateway|infernet-compute|infernet-chain|infernet-payment …`:
/// how the supervisor starts its workers by default (`WorkerSpec.Launch.shared`). Each is its own
/// process running the same command as the separate executable of that name (the commands live
/// in the workers' Kit libraries), but all of them map this one file, so its code pages are
/// shared between the processes instead of each separately linked executable holding its own copy.
struct WorkerGroup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: WorkerSpec.workerSubcommand,
        abstract: "Run one of the node's workers (used by the supervisor itself).",
        shouldDisplay: false,
        subcommands: [GatewayCommand.self, ComputeCommand.self, ChainCommand.self, PaymentCommand.self])
}

import ArgumentParser
import ChainWorker
import ComputeWorker
import Foundation
import Gateway
import InfernetBus
import InfernetCore
import Logging
import PaymentWorker
import Supervisor
import WorkerKit

/// `infernet-node worker infernet-gateway|infernet-compute|infernet-chain|infernet-payment …`:
/// how the supervisor starts its workers by default (`WorkerSpec.Launch.shared`). Each is its own
/// process, exactly as the separate executable of that name (same options, same code, same log
/// prefix), but all of them map this one file, so its code pages are shared between the
/// processes instead of each separately linked executable holding its own copy.
struct WorkerGroup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: WorkerSpec.workerSubcommand,
        abstract: "Run one of the node's workers (used by the supervisor itself).",
        shouldDisplay: false,
        subcommands: [GatewayRun.self, ComputeRun.self, ChainRun.self, PaymentRun.self])

    /// Names the process as the separate executable would be named (`ps`, `top`: comm).
    static func nameProcess(_ name: String) {
        let fd = open("/proc/self/task/\(getpid())/comm", O_WRONLY)
        guard fd >= 0 else { return }
        let bytes = Array(name.utf8.prefix(15))
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
    }

    /// As `infernet-gateway` (Sources/Gateway/Main).
    struct GatewayRun: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "infernet-gateway", abstract: "The HTTP API for off-chain jobs.")

        @OptionGroup var worker: WorkerArguments

        func run() async throws {
            WorkerGroup.nameProcess("infernet-gateway")
            ProcessBootstrap.start(process: "infernet-gateway")
            let logger = Logger(label: "infernet.gateway")
            let options = worker.options(defaultIdentity: BusService.gateway.rawValue)
            try await WorkerMain.reportingConfigErrors(process: "infernet-gateway") {
                let config = try options.loadConfig(logger: logger)
                try await Gateway.run(config: config, busEndpoint: options.endpoint(for: config), identity: options.identity, logger: logger)
            }
        }
    }

    /// As `infernet-compute` (Sources/ComputeWorker/Main).
    struct ComputeRun: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "infernet-compute", abstract: "The compute worker.")

        @OptionGroup var worker: WorkerArguments
        @Flag(help: "Start and supervise the config's command/image containers on this host.")
        var manageContainers = false
        @Option(help: "Requests served at once before the broker queues more.")
        var capacity = 1024

        func run() async throws {
            WorkerGroup.nameProcess("infernet-compute")
            ProcessBootstrap.start(process: "infernet-compute")
            let options = worker.options(defaultIdentity: "compute-\(ProcessInfo.processInfo.hostName)-\(getpid())")
            try await WorkerMain.reportingConfigErrors(process: "infernet-compute") {
                try await ComputeWorkerApp(options: options, manageContainers: manageContainers, capacity: capacity).run()
            }
        }
    }

    /// As `infernet-chain` (Sources/ChainWorker/Main).
    struct ChainRun: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "infernet-chain", abstract: "The chain worker.")

        @OptionGroup var worker: WorkerArguments

        func run() async throws {
            WorkerGroup.nameProcess("infernet-chain")
            ProcessBootstrap.start(process: "infernet-chain")
            try await WorkerMain.reportingConfigErrors(process: "infernet-chain") {
                try await ChainWorkerApp(options: worker.options(defaultIdentity: BusService.chain.rawValue)).run()
            }
        }
    }

    /// As `infernet-payment` (Sources/PaymentWorker/Main).
    struct PaymentRun: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "infernet-payment", abstract: "The payment worker.")

        @OptionGroup var worker: WorkerArguments

        func run() async throws {
            WorkerGroup.nameProcess("infernet-payment")
            ProcessBootstrap.start(process: "infernet-payment")
            try await WorkerMain.reportingConfigErrors(process: "infernet-payment") {
                try await PaymentWorkerApp(options: worker.options(defaultIdentity: BusService.payment.rawValue)).run()
            }
        }
    }
}

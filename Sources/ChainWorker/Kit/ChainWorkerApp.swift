import InfernetCore
import Logging
import WorkerKit

/// The chain worker process: joins the bus as `chain`, and when `chain.enabled` syncs
/// subscriptions and delivers them (`ChainNode`), asking compute and payment workers over the bus.
public struct ChainWorkerApp {
    public let options: WorkerOptions

    public init(options: WorkerOptions) { self.options = options }

    public func run() async throws {
        try await WorkerProcess(service: .chain, options: options, makeParts: { config, logger, peer in
            let node = ChainNode(config: config, services: BusNodeServices(peer: peer), logger: logger)
            return (ChainRequestHandler(node: node).router, [node])
        }).run()
    }
}

import Foundation
import InfernetCore
import Logging
import WorkerKit

/// The chain worker process: joins the bus as `chain`, and when `chain.enabled` syncs
/// subscriptions and delivers them (`ChainNode`), asking compute and payment workers over the bus.
public struct ChainWorkerApp {
    public let options: WorkerOptions

    public init(options: WorkerOptions) { self.options = options }

    public func run() async throws {
        let background = BackgroundTask()
        defer { background.cancel() }
        try await WorkerProcess(service: .chain, options: options) { config, logger, peer in
            let node = ChainNode(config: config, services: BusNodeServices(peer: peer), logger: logger)
            background.start { await node.run() }
            return ChainRequestHandler(node: node).router
        }.run()
    }
}

/// A task started from a synchronous callback and cancelled when the worker stops.
final class BackgroundTask: @unchecked Sendable {
    private let lock = NSLock()
    private var task: Task<Void, Never>?

    func start(_ operation: @escaping @Sendable () async -> Void) {
        lock.withLock {
            task?.cancel()
            task = Task { await operation() }
        }
    }

    func cancel() {
        lock.withLock { task?.cancel() }
    }
}

import Foundation
import InfernetCore
import Logging
import WorkerKit

/// The chain worker process. It joins the bus and, when `chain.enabled`, keeps the subscription
/// store in sync with the chain (`ChainSyncLoop`). Delivery is not built yet (issue 5): bus
/// requests get a clear "not served yet" error.
public struct ChainWorkerApp {
    public let options: WorkerOptions

    public init(options: WorkerOptions) { self.options = options }

    public func run() async throws {
        let background = BackgroundTask()
        defer { background.cancel() }
        try await WorkerProcess(service: "chain", options: options) { config, logger in
            background.start { await ChainSyncLoop.run(config: config, logger: logger) }
            return UnavailableMethodsHandler(service: "chain")
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

import InfernetCore
import Logging
import WorkerKit

/// The chain worker process. It joins the bus and idles until on-chain delivery lands
/// (issue 5); requests get a clear "not served yet" error.
public struct ChainWorkerApp {
    public let options: WorkerOptions

    public init(options: WorkerOptions) { self.options = options }

    public func run() async throws {
        try await WorkerProcess(service: "chain", options: options) { _, _ in
            UnavailableMethodsHandler(service: "chain")
        }.run()
    }
}

import Gateway
import Logging
import ServiceLifecycle

extension JobStore {
    /// Runs the store (its write committer) for the duration of `body`, as a gateway's service
    /// group would, then shuts it down gracefully so every write is committed.
    func running<T: Sendable>(_ body: (JobStore) async throws -> T) async throws -> T {
        let group = ServiceGroup(configuration: .init(services: [self], logger: Logger(label: "test-store")))
        let task = Task { try await group.run() }
        do {
            let result = try await body(self)
            await group.triggerGracefulShutdown()
            try await task.value
            return result
        } catch {
            await group.triggerGracefulShutdown()
            _ = try? await task.value
            throw error
        }
    }
}

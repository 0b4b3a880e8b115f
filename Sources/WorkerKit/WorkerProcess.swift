import Foundation
import InfernetBus
import InfernetCore
import Logging
import ServiceLifecycle

/// Runs a worker process around one bus router: load the config, join the bus announcing
/// `service`, serve until SIGTERM/SIGINT, drain.
public struct WorkerProcess {
    public let service: BusService
    public let options: WorkerOptions
    public let makeRouter: (NodeConfig, Logger, BusPeer) -> BusRouter

    public init(service: BusService, options: WorkerOptions, makeRouter: @escaping (NodeConfig, Logger) -> BusRouter) {
        self.init(service: service, options: options) { config, logger, _ in makeRouter(config, logger) }
    }

    /// For workers that also send requests on the bus (the chain worker asks compute and payment).
    public init(service: BusService, options: WorkerOptions, makeRouter: @escaping (NodeConfig, Logger, BusPeer) -> BusRouter) {
        self.service = service
        self.options = options
        self.makeRouter = makeRouter
    }

    public func run() async throws {
        let logger = Logger(label: service.rawValue)
        let config = options.loadConfig(logger: logger)
        let peer = try BusPeer(
            options: .init(
                endpoint: options.endpoint(for: config), identity: options.identity,
                announcement: PeerAnnouncement(service: service, pid: getpid()),
                heartbeatInterval: config.node.heartbeatInterval),
            logger: logger)
        let group = ServiceGroup(
            services: [BusWorkerService(peer: peer, router: makeRouter(config, logger, peer), logger: logger)],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        try await group.run()
    }
}

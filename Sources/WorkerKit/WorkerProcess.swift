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
    public let makeParts: (NodeConfig, Logger, BusPeer) -> (router: BusRouter, services: [any Service])

    public init(service: BusService, options: WorkerOptions, makeRouter: @escaping (NodeConfig, Logger) -> BusRouter) {
        self.init(service: service, options: options, makeParts: { config, logger, _ in (makeRouter(config, logger), []) })
    }

    /// For workers that also send requests on the bus (the chain worker asks compute and payment).
    public init(service: BusService, options: WorkerOptions, makeRouter: @escaping (NodeConfig, Logger, BusPeer) -> BusRouter) {
        self.init(service: service, options: options, makeParts: { config, logger, peer in (makeRouter(config, logger, peer), []) })
    }

    /// For workers that run more than their bus router (the chain worker's sync and deliveries):
    /// those services join the process's one group after the bus worker, so on shutdown they stop
    /// first, while the bus they use is still up.
    public init(service: BusService, options: WorkerOptions,
                makeParts: @escaping (NodeConfig, Logger, BusPeer) -> (router: BusRouter, services: [any Service])) {
        self.service = service
        self.options = options
        self.makeParts = makeParts
    }

    public func run() async throws {
        let logger = Logger(label: service.rawValue)
        let config = try options.loadConfig(logger: logger)
        let peer = try BusPeer(
            options: .init(
                endpoint: options.endpoint(for: config), identity: options.identity,
                announcement: PeerAnnouncement(service: service, pid: getpid()),
                heartbeatInterval: config.node.heartbeatInterval),
            logger: logger)
        let parts = makeParts(config, logger, peer)
        let group = ServiceGroup(
            services: [BusWorkerService(peer: peer, router: parts.router, logger: logger)] + parts.services,
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        try await group.run()
    }
}

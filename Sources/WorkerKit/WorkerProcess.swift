import Foundation
import InfernetBus
import InfernetCore
import Logging
import ServiceLifecycle

/// Runs a worker process around one bus handler: load the config, join the bus announcing
/// `service`, serve until SIGTERM/SIGINT, drain.
public struct WorkerProcess<Handler: BusRequestHandler> {
    public let service: String
    public let options: WorkerOptions
    public let makeParts: (NodeConfig, Logger, BusPeer) -> (handler: Handler, services: [any Service])

    public init(service: String, options: WorkerOptions, makeHandler: @escaping (NodeConfig, Logger) -> Handler) {
        self.init(service: service, options: options, makeParts: { config, logger, _ in (makeHandler(config, logger), []) })
    }

    /// For workers that also send requests on the bus (the chain worker asks compute and payment).
    public init(service: String, options: WorkerOptions, makeHandler: @escaping (NodeConfig, Logger, BusPeer) -> Handler) {
        self.init(service: service, options: options, makeParts: { config, logger, peer in (makeHandler(config, logger, peer), []) })
    }

    /// For workers that run more than their bus handler (the chain worker's sync and deliveries):
    /// those services join the process's one group after the bus worker, so on shutdown they stop
    /// first, while the bus they use is still up.
    public init(service: String, options: WorkerOptions,
                makeParts: @escaping (NodeConfig, Logger, BusPeer) -> (handler: Handler, services: [any Service])) {
        self.service = service
        self.options = options
        self.makeParts = makeParts
    }

    public func run() async throws {
        let logger = Logger(label: service)
        let config = try options.loadConfig(logger: logger)
        let peer = try BusPeer(
            options: .init(
                endpoint: options.endpoint(for: config), identity: options.identity,
                announcement: PeerAnnouncement(service: service, pid: getpid()),
                heartbeatInterval: config.node.heartbeatInterval),
            logger: logger)
        let parts = makeParts(config, logger, peer)
        let group = ServiceGroup(
            services: [BusWorkerService(peer: peer, handler: parts.handler, logger: logger)] + parts.services,
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        try await group.run()
    }
}

/// A handler for a service whose methods are not built yet: answers every request with a
/// clear error instead of leaving the sender waiting.
public struct UnavailableMethodsHandler: BusRequestHandler {
    let service: String
    public init(service: String) { self.service = service }

    public func handle(_ request: BusRequest, peer: BusPeer) async -> BusReply {
        BusReply(id: request.id, error: "the \(service) worker does not serve '\(request.method)' yet")
    }
}

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
    public let makeHandler: (NodeConfig, Logger, BusPeer) -> Handler

    public init(service: String, options: WorkerOptions, makeHandler: @escaping (NodeConfig, Logger) -> Handler) {
        self.init(service: service, options: options) { config, logger, _ in makeHandler(config, logger) }
    }

    /// For workers that also send requests on the bus (the chain worker asks compute and payment).
    public init(service: String, options: WorkerOptions, makeHandler: @escaping (NodeConfig, Logger, BusPeer) -> Handler) {
        self.service = service
        self.options = options
        self.makeHandler = makeHandler
    }

    public func run() async throws {
        let logger = Logger(label: service)
        let config = options.loadConfig(logger: logger)
        let peer = try BusPeer(
            options: .init(
                endpoint: options.endpoint(for: config), identity: options.identity,
                announcement: PeerAnnouncement(service: service, pid: getpid()),
                heartbeatInterval: config.node.heartbeatInterval.inSeconds),
            logger: logger)
        let group = ServiceGroup(
            services: [BusWorkerService(peer: peer, handler: makeHandler(config, logger, peer), logger: logger)],
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

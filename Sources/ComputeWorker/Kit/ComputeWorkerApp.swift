import AsyncHTTPClient
import Foundation
import InfernetBus
import InfernetCore
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import WorkerKit

/// The compute worker process: joins the bus offering the containers it can run, and serves
/// `compute.*` requests until SIGTERM, then drains.
public struct ComputeWorkerApp {
    public let options: WorkerOptions
    public let manageContainers: Bool
    public let capacity: Int

    public init(options: WorkerOptions, manageContainers: Bool, capacity: Int = 1024) {
        self.options = options
        self.manageContainers = manageContainers
        self.capacity = capacity
    }

    public func run() async throws {
        let logger = Logger(label: "compute")
        let config = try options.loadConfig(logger: logger)
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: Self.httpConfiguration())
        let manager = ContainerManager(config: config, http: http, logger: logger)
        if manageContainers { await manager.start() }
        // Every container is offered, also an `image` one whose engine is down: its jobs then fail
        // at once with an error naming it, instead of waiting for a worker that offers it.
        let served = config.containers
        let peer = try BusPeer(
            options: .init(
                endpoint: options.endpoint(for: config), identity: options.identity,
                announcement: PeerAnnouncement(service: .compute, containers: served.map(\.id), pid: getpid(), capacity: capacity),
                heartbeatInterval: config.node.heartbeatInterval),
            logger: logger)
        logger.info("compute worker ready", metadata: ["containers": "\(served.map(\.id).joined(separator: ","))"])
        let handler = ComputeHandler(containers: served, http: http, streamTimeout: config.node.streamTimeout,
                                     limits: config.node.limits, logger: logger)
        // The container manager (when this worker runs the containers) shuts down after the bus
        // worker has drained.
        let services: [any Service] = (manageContainers ? [manager] : []) + [BusWorkerService(peer: peer, router: handler.router, logger: logger)]
        let group = ServiceGroup(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        try await group.run()
        if manageContainers { await manager.stop(grace: config.node.shutdownGrace) }
        try await http.shutdown()
    }

    /// Many connections per container so concurrent jobs do not queue behind each other.
    static func httpConfiguration() -> HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)
        configuration.timeout = .init(connect: .seconds(5))
        return configuration
    }
}

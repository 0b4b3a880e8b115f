import BusContract
import EVM
import Foundation
import Hummingbird
import InfernetBus
import InfernetCore
import Logging
import NIOCore
import ServiceKit

/// The gateway process: the HTTP API for off-chain jobs, its job store and its bus client.
///
/// ```swift
/// let store = try JobStore(path: JobStore.path(dataDirectory: config.node.dataDirectory))
/// let gateway = Gateway(config: config, store: store, bus: BusComputeClient(peer: peer), logger: logger)
/// try await gateway.makeApplication().runService()
/// ```
public struct Gateway: Sendable {
    public struct Options: Sendable {
        /// Overrides `server.bind_address` / `server.port` (tests use port 0).
        public var host: String?
        public var port: Int?
        /// The node's EOA, shown by `/info` when the chain is enabled; empty: derived from
        /// `chain.wallet.private_key`.
        public var nodeAddress = ""
        public var dispatcher = JobDispatcher.Options()

        public init(host: String? = nil, port: Int? = nil) {
            self.host = host
            self.port = port
        }
    }

    public let config: NodeConfig
    public let store: JobStore
    public let bus: any ComputeBus
    public let metrics: GatewayMetrics
    public let dispatcher: JobDispatcher
    public let options: Options
    /// Open HTTP connections and those refused over `server.max_connections`.
    public let connections: ConnectionCounter
    let delegated: DelegatedSubscriptionIntake
    /// What `/info` shows as `chain.address`.
    let nodeAddress: String
    let logger: Logger

    /// - Parameters:
    ///   - signatures: checks delegated subscriptions' EIP-712 signatures on chain.
    ///   - delegated: takes accepted delegated subscriptions (the chain worker over the bus).
    public init(config: NodeConfig, store: JobStore, bus: any ComputeBus, options: Options = Options(),
                signatures: any DelegatedSignatureVerifier = UnavailableSignatureVerifier(),
                delegated: any DelegatedSubscriptionHandler = UnavailableDelegatedSubscriptions(),
                metrics: GatewayMetrics = GatewayMetrics(), logger: Logger) {
        self.config = config
        self.store = store
        self.bus = bus
        self.metrics = metrics
        self.options = options
        self.connections = ConnectionCounter(limit: config.server.connections.maxConnections)
        self.delegated = DelegatedSubscriptionIntake(verifier: signatures, handler: delegated)
        self.nodeAddress = options.nodeAddress.isEmpty ? Self.nodeAddress(config: config) : options.nodeAddress
        self.logger = logger
        var dispatcherOptions = options.dispatcher
        dispatcherOptions.grace = min(dispatcherOptions.grace, config.node.shutdownGrace)
        self.dispatcher = JobDispatcher(bus: bus, store: store, config: config, metrics: metrics,
                                        options: dispatcherOptions, logger: logger)
    }

    /// Every route of the API.
    public func makeRouter() -> Router<GatewayContext> {
        let router = Router(context: GatewayContext.self)
        let bodyLimit = config.node.limits.maxRequestBodyBytes
        router.add(middleware: ErrorBodyMiddleware(bodyLimit: bodyLimit))
        router.add(middleware: RequestMetricsMiddleware(metrics: metrics))
        router.add(middleware: RateLimitMiddleware(
            limiter: RateLimiter(limit: config.server.rateLimit.numRequests, period: config.server.rateLimit.period),
            metrics: metrics))
        let intake = JobIntake(guardian: Guardian(config: config), store: store, dispatcher: dispatcher,
                               delegated: delegated, metrics: metrics, logger: logger, bodyLimit: bodyLimit)
        InfoRoutes(config: config, nodeAddress: nodeAddress, bus: bus, dispatcher: dispatcher, logger: logger)
            .register(on: router)
        JobsRoutes(intake: intake, statusWait: config.server.connections.jobStatusWait).register(on: router)
        StreamRoutes(intake: intake, bus: bus).register(on: router)
        StatusRoutes(store: store, bodyLimit: bodyLimit).register(on: router)
        DocumentRoutes(metrics: metrics, bus: bus, chainEnabled: config.chain.enabled, connections: connections).register(on: router)
        return router
    }

    /// The Hummingbird application with the store and the dispatcher as services: on graceful
    /// shutdown the server stops taking requests and finishes the ones in flight, then the
    /// dispatcher drains, then the store commits its last writes.
    public func makeApplication(
        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let host = options.host ?? config.server.bindAddress
        let port = options.port ?? config.server.port
        let limits = config.server.connections
        let counter = connections
        return Application(
            router: makeRouter(),
            // Every connection gets its own guard (timeouts, the connection cap).
            server: .guardedHTTP1(limits: limits, counter: counter),
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: nil, backlog: 1024),
            // Shut down in reverse order (after the server): the pruner, the dispatcher, then the
            // store, which commits the dispatcher's last results.
            services: [store, dispatcher, JobPruner(store: store, limits: config.node.limits, logger: logger)],
            onServerRunning: onServerRunning,
            logger: logger)
    }
}

extension Gateway {
    /// What `infernet-gateway` does: open the store, connect to the bus, serve until SIGTERM or
    /// SIGINT, then drain and leave.
    public static func run(config: NodeConfig, busEndpoint: String, identity: String, logger: Logger) async throws {
        let files = raiseOpenFileLimit()
        let store = try JobStore(path: JobStore.path(dataDirectory: config.node.dataDirectory))
        var signatures: any DelegatedSignatureVerifier = UnavailableSignatureVerifier()
        if config.chain.enabled {
            signatures = EIP712SignatureVerifier(reader: try RPCDelegationChainReader(config: config.chain, logger: logger))
        }
        let peer = try BusPeer(
            options: BusPeer.Options(
                endpoint: busEndpoint, identity: identity,
                announcement: PeerAnnouncement(service: .gateway, pid: getpid()),
                heartbeatInterval: config.node.heartbeatInterval),
            logger: logger)
        let gateway = Gateway(config: config, store: store, bus: BusComputeClient(peer: peer), signatures: signatures,
                              delegated: BusDelegatedSubscriptions(peer: peer), logger: logger)
        logger.info("gateway starting", metadata: [
            "address": "\(config.server.bindAddress):\(config.server.port)", "bus": "\(busEndpoint)",
            "containers": "\(config.containers.count)", "open_file_limit": "\(files)",
            "max_connections": "\(config.server.connections.maxConnections)",
        ])
        // The gateway owns its peer: started before the server takes requests, stopped after it drained.
        try peer.start()
        defer { peer.stop() }
        try await gateway.makeApplication().runService()
        logger.info("gateway stopped")
    }
}

extension Gateway {
    /// The node's EOA (checksummed) when the chain is enabled and a key is configured, else "".
    /// Only the address leaves this function; the key is never logged.
    public static func nodeAddress(config: NodeConfig) -> String {
        guard config.chain.enabled, let key = config.chain.wallet.privateKey else { return "" }
        return key.address.checksummed
    }
}

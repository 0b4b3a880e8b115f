import Foundation
public import Hummingbird
import HummingbirdCore
import InfernetCore
public import Logging

/// Answers one `/service_output` request.
public typealias ServiceHandler = @Sendable (ServiceRequest) async throws -> ServiceOutput

/// Answers `GET /service-resources?model_id=X` with `{"supported": Bool}`.
public typealias ModelQueryHandler = @Sendable (String) async throws -> Bool

/// A container service: declare what it is and how it answers, then build or run it.
///
/// ```swift
/// var service = ServiceApplication(info: ServiceInfo(id: "my-service"), configuration: config) { request in
///     .output(.string("you sent \(request.data.jsonText)"))
/// }
/// service.modelQuery = { $0 == "my-model" }
/// try await service.run()
/// ```
///
/// Routes: `POST /service_output`, `GET /`, `GET /service-resources[?model_id=]`. Errors are
/// JSON `{code, name, description}`; `requires_proof=true` is refused with 400 unless
/// `info.canProve`.
public struct ServiceApplication: Sendable {
    public var info: ServiceInfo
    public var configuration: ServiceConfiguration
    public var logger: Logger
    public var handler: ServiceHandler
    /// Default: no model is advertised (`{"supported": false}`).
    public var modelQuery: ModelQueryHandler = { _ in false }

    public init(info: ServiceInfo, configuration: ServiceConfiguration = ServiceConfiguration(),
                logger: Logger? = nil, handler: @escaping ServiceHandler) {
        self.info = info
        self.configuration = configuration
        self.logger = logger ?? Self.defaultLogger(label: "infernet.service.\(info.id)")
        self.handler = handler
    }

    /// The router with the service's routes and JSON error rendering.
    public func buildRouter() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: ServiceErrorMiddleware(logger: logger))
        ServiceRoutes(info: info, configuration: configuration, logger: logger, handler: handler,
                      modelQuery: modelQuery, resources: ServiceResources(info: info))
            .register(on: router)
        return router
    }

    /// A Hummingbird application serving the routes; `onServerRunning` gets the bound port.
    public func buildApplication(
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        // Idle and slow connections are closed, and connections are capped (ConnectionLimits defaults).
        let counter = ConnectionCounter(limit: ConnectionLimits().maxConnections)
        return Application(
            router: buildRouter(),
            server: .guardedHTTP1(limits: ConnectionLimits(), counter: counter),
            configuration: ApplicationConfiguration(
                address: .hostname(configuration.host, port: configuration.port),
                serverName: info.id
            ),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
            logger: logger
        )
    }

    /// Serves until SIGTERM or SIGINT.
    public func run() async throws {
        raiseOpenFileLimit()
        try await buildApplication().runService()
    }

    /// Starts the service, runs `body` with the port it listens on, then stops it. For tests
    /// of other components that need a live service (use port 0 for a free port).
    public func withRunningServer<Value>(_ body: (Int) async throws -> Value) async throws -> Value {
        let (ports, portContinuation) = AsyncStream<Int>.makeStream()
        let app = buildApplication(onServerRunning: { port in
            portContinuation.yield(port)
            portContinuation.finish()
        })
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                defer { portContinuation.finish() }
                try await app.run()
            }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else {
                try await group.next()
                throw ServiceError.internalError("the service stopped before it started listening")
            }
            do {
                let value = try await body(port)
                group.cancelAll()
                return value
            } catch {
                group.cancelAll()
                throw error
            }
        }
    }

    /// A logger at `INFERNET_LOG_LEVEL` (else `LOG_LEVEL`) when set, else the log handler's level.
    static func defaultLogger(label: String) -> Logger {
        var logger = Logger(label: label)
        let environment = ProcessInfo.processInfo.environment
        if let level = (environment["INFERNET_LOG_LEVEL"] ?? environment["LOG_LEVEL"]).flatMap({ Logger.Level(rawValue: $0.lowercased()) }) {
            logger.logLevel = level
        }
        return logger
    }
}

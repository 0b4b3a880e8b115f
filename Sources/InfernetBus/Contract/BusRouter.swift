/// Writes the chunks of a streamed reply (the router's handler returns the final response).
public struct BusStreamWriter: Sendable {
    private let sink: @Sendable (String) -> Void

    public init(_ sink: @escaping @Sendable (String) -> Void) { self.sink = sink }

    /// A writer that drops what it is given (a request served outside the bus, in tests).
    public static let discarding = BusStreamWriter { _ in }

    public func write(_ chunk: String) { sink(chunk) }
}

/// The methods one worker serves, by name. Each request's body is decoded once, here, so every
/// worker answers the same way: a body that is not the method's request type gets `badRequest`
/// naming the method and the field, an unknown method `unknownMethod` listing those served,
/// and a handler's error its `BusFailure` (`internal` unless the error names a code).
public struct BusRouter: Sendable {
    typealias Route = @Sendable (BusRequest, BusStreamWriter) async -> BusReply

    public let service: BusService
    private var routes: [String: Route] = [:]

    public init(service: BusService) { self.service = service }

    /// The method names served, sorted.
    public var methods: [String] { routes.keys.sorted() }

    /// Serves `method` with `handle`.
    public mutating func on<Request, Response>(
        _ method: BusMethod<Request, Response>, _ handle: @escaping @Sendable (Request) async throws -> Response
    ) {
        on(method, streaming: { request, _ in try await handle(request) })
    }

    /// Serves a method whose handler may write chunks before its response.
    public mutating func on<Request, Response>(
        _ method: BusMethod<Request, Response>,
        streaming handle: @escaping @Sendable (Request, BusStreamWriter) async throws -> Response
    ) {
        assert(method.service == service, "\(method.name) belongs to \(method.service), not \(service)")
        routes[method.name] = { request, writer in
            let body: Request
            do {
                body = try BusBody.decode(Request.self, from: request.body)
            } catch {
                return BusReply(id: request.id, error: BusFailure(
                    .badRequest,
                    "malformed \(method.name) body: expected a \(Request.self) JSON object (\(BusBody.describe(error)))"))
            }
            do {
                return BusReply(id: request.id, body: BusBody.encode(try await handle(body, writer)))
            } catch {
                return BusReply(id: request.id, error: BusFailure(handlerError: error))
            }
        }
    }

    /// The reply to one request; chunks of a streamed one go to `writer`.
    public func handle(_ request: BusRequest, writer: BusStreamWriter = .discarding) async -> BusReply {
        guard let route = routes[request.method] else {
            let served = methods.isEmpty ? "none yet" : methods.joined(separator: ", ")
            return BusReply(id: request.id, error: BusFailure(
                .unknownMethod, "the \(service) service has no method '\(request.method)' (it serves \(served))"))
        }
        return await route(request, writer)
    }
}

import Hummingbird
import InfernetCore
import Logging

/// The container-protocol routes. The `/service_output` path is the hot one: collect, parse,
/// call the handler, render; no logging unless something fails.
struct ServiceRoutes: Sendable {
    let info: ServiceInfo
    let configuration: ServiceConfiguration
    let logger: Logger
    let handler: ServiceHandler
    let modelQuery: ModelQueryHandler
    let resources: ServiceResources

    func register(on router: Router<BasicRequestContext>) {
        let greeting = info.greeting
        router.get("/") { _, _ in Response.text(greeting) }
        router.get("/service-resources") { request, _ in try await serviceResources(request) }
        router.post("/service_output") { request, _ in try await serviceOutput(request) }
    }

    func serviceResources(_ request: Request) async throws -> Response {
        guard let modelID = request.uri.queryParameters.get("model_id"), !modelID.isEmpty else {
            return .json(await resources.document())
        }
        do {
            return .json(["supported": .bool(try await modelQuery(modelID))])
        } catch {
            // As the reference: a failing query is "not supported", with the reason.
            return .json(["supported": false, "error": .string("\(error)")])
        }
    }

    func serviceOutput(_ request: Request) async throws -> Response {
        if let token = configuration.bearerToken, request.headers[.authorization] != "Bearer \(token)" {
            throw ServiceError.unauthorized
        }
        let body = try await request.body.collect(upTo: configuration.maxBodySize)
        let serviceRequest = try ServiceRequest(parsing: body.readableBytesView)
        if serviceRequest.requiresProof && !info.canProve {
            throw ServiceError.proofsUnsupported(serviceID: info.id)
        }
        let output: ServiceOutput
        do {
            output = try await handler(serviceRequest)
        } catch let error as ServiceError {
            throw error
        } catch {
            throw ServiceError.internalError("service '\(info.id)' failed: \(error)")
        }
        switch output {
        case .json(let value):
            return .json(value)
        case .stream(let stream):
            return try await Self.streamResponse(stream, serviceID: info.id)
        }
    }

    /// Waits for the first chunk before answering, so a failure to start (an upstream refusing
    /// the request, say) is still a proper JSON error; later chunks are written as they come.
    static func streamResponse(_ stream: TextStream, serviceID: String) async throws -> Response {
        let chunks = ChunkIterator(stream.makeAsyncIterator())
        let first: String?
        do {
            first = try await chunks.next()
        } catch let error as ServiceError {
            throw error
        } catch {
            throw ServiceError.internalError("service '\(serviceID)' failed: \(error)")
        }
        return Response(
            status: .ok,
            headers: [.contentType: "text/plain; charset=utf-8"],
            body: ResponseBody { writer in
                var next = first
                while let chunk = next {
                    if !chunk.isEmpty { try await writer.write(ByteBuffer(string: chunk)) }
                    next = try await chunks.next()
                }
                try await writer.finish(nil)
            }
        )
    }
}

/// Hands a stream's iterator from the handler to the response writer. Only one task uses it
/// at a time (first the handler, then the writer), which is what makes the unchecked
/// conformance safe.
final class ChunkIterator: @unchecked Sendable {
    private var iterator: TextStream.AsyncIterator

    init(_ iterator: TextStream.AsyncIterator) { self.iterator = iterator }

    func next() async throws -> String? { try await iterator.next() }
}

import Hummingbird
import InfernetCore
import NIOCore

/// Gives the router's own errors the API's error shape `{"error": ..., "params": {...}}`: an
/// unknown path is 404, a known path with the wrong method is 405 with `Allow`, and an
/// oversized body that Hummingbird refused itself is 413. Clients that parse error bodies
/// never meet an empty one.
struct ErrorBodyMiddleware: RouterMiddleware {
    typealias Context = GatewayContext

    /// Every route and its methods (kept beside the routes' `register` calls).
    static let routes: [String: [HTTPRequest.Method]] = [
        "/health": [.get], "/info": [.get], "/resources": [.get], "/metrics": [.get], "/openapi.yaml": [.get],
        "/api/jobs": [.get, .post], "/api/jobs/batch": [.post], "/api/jobs/stream": [.post], "/api/status": [.put],
    ]

    let bodyLimit: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError {
            throw Self.translate(error, request: request, bodyLimit: bodyLimit)
        } catch is NIOTooManyBytesError {
            throw APIError.bodyTooLarge(limit: bodyLimit)
        }
    }

    static func translate(_ error: HTTPError, request: Request, bodyLimit: Int) -> any Error {
        let path = request.uri.path
        switch error.status {
        case .notFound:
            if let methods = routes[path], !methods.contains(request.method) {
                return MethodNotAllowed(path: path, method: request.method, allowed: methods)
            }
            return APIError(.notFound, "no route for \(request.method) \(path)",
                            params: JSONObject([(key: "path", value: .string(path))]))
        case .contentTooLarge:
            return APIError.bodyTooLarge(limit: bodyLimit)
        default:
            return APIError(error.status, error.body ?? error.status.reasonPhrase, params: JSONObject())
        }
    }
}

/// 405 with an `Allow` header and the JSON error body.
struct MethodNotAllowed: HTTPResponseError {
    let path: String
    let method: HTTPRequest.Method
    let allowed: [HTTPRequest.Method]

    var status: HTTPResponse.Status { .methodNotAllowed }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let allow = allowed.map(\.rawValue).joined(separator: ", ")
        let error = APIError(.methodNotAllowed, "method \(method) is not allowed on \(path)",
                             params: JSONObject([(key: "method", value: .string(method.rawValue)),
                                                 (key: "allow", value: .array(allowed.map { .string($0.rawValue) }))]))
        var response = try error.response(from: request, context: context)
        response.headers[.allow] = allow
        return response
    }
}

extension APIError {
    /// 413 naming `node.max_request_body_bytes`.
    static func bodyTooLarge(limit: Int) -> APIError {
        APIError(.contentTooLarge, "body: larger than \(limit) bytes, over \(JobLimits.key("max_request_body_bytes"))=\(limit)",
                 params: JSONObject([(key: "field", value: .string("body")), (key: "limit", value: .number(JSONNumber(limit)))]))
    }
}

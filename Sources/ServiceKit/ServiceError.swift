public import Hummingbird
public import InfernetCore

/// An error a service answers with: rendered as JSON `{"code", "name", "description"}` (the
/// shape of the reference services' errors) with `code` as the HTTP status.
public struct ServiceError: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: HTTPResponse.Status
    /// What went wrong, for the client (the `description` field).
    public var message: String

    public init(status: HTTPResponse.Status, _ message: String) {
        self.status = status
        self.message = message
    }

    public var name: String { status.reasonPhrase }
    public var description: String { "\(status.code) \(name): \(message)" }

    /// The JSON body: `{"code": 400, "name": "Bad Request", "description": "..."}`.
    public var json: JSONValue {
        .object(JSONObject([
            (key: "code", value: .number(JSONNumber(status.code))),
            (key: "name", value: .string(name)),
            (key: "description", value: .string(message)),
        ]))
    }
}

extension ServiceError {
    /// 400: the request is not something this service can answer.
    public static func badRequest(_ message: String) -> ServiceError { ServiceError(status: .badRequest, message) }

    /// 400 naming the offending field as a path, e.g. `data.params.messages[0].role`.
    public static func invalidField(_ field: String, _ message: String) -> ServiceError {
        ServiceError(status: .badRequest, "invalid field '\(field)': \(message)")
    }

    /// 400 for a field that must be present.
    public static func missingField(_ field: String) -> ServiceError {
        ServiceError(status: .badRequest, "missing required field '\(field)'")
    }

    /// 500: the handler failed.
    public static func internalError(_ message: String) -> ServiceError { ServiceError(status: .internalServerError, message) }

    /// 502: an upstream server (OpenAI, TGI, ...) failed or answered something unusable.
    public static func upstream(_ message: String) -> ServiceError { ServiceError(status: .badGateway, message) }

    /// 401: a bearer token is configured and the request did not carry it.
    public static let unauthorized = ServiceError(status: .unauthorized, "missing or wrong bearer token")

    /// 400 for `requires_proof=true` sent to a service that cannot prove.
    public static func proofsUnsupported(serviceID: String) -> ServiceError {
        .invalidField("requires_proof", "service '\(serviceID)' does not generate proofs")
    }
}

extension ServiceError: HTTPResponseError {
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        Response.json(json, status: status)
    }
}

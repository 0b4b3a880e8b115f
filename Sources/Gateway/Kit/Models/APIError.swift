import Hummingbird
import InfernetCore

/// An error answered to an HTTP client as `{"error": message, "params": {...}}` (the reference
/// node's shape), with a meaningful status code.
public struct APIError: HTTPResponseError, Sendable, Equatable {
    public let status: HTTPResponse.Status
    public let message: String
    /// `nil` leaves the `params` key out (the reference omits it for some errors).
    public let params: JSONObject?

    public init(_ status: HTTPResponse.Status, _ message: String, params: JSONObject? = JSONObject()) {
        self.status = status
        self.message = message
        self.params = params
    }

    /// The body as a JSON value (also used for items of a batch answer).
    public var body: JSONValue {
        var object = JSONObject([(key: "error", value: .string(message))])
        if let params { object["params"] = .object(params) }
        return .object(object)
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = JSONResponse.make(body.jsonText, status: status)
        if status == .tooManyRequests, let retry = params?["retry_after"]?.numberValue?.literal {
            response.headers[.retryAfter] = retry
        }
        return response
    }
}

extension APIError {
    static func badRequest(_ message: String, params: JSONObject? = JSONObject()) -> APIError {
        APIError(.badRequest, message, params: params)
    }

    static func field(_ field: String, _ problem: String) -> APIError {
        APIError(.badRequest, "\(field): \(problem)", params: JSONObject([(key: "field", value: .string(field))]))
    }
}

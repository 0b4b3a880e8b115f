import Hummingbird
import InfernetCore
import NIOCore

/// Builds JSON responses from text without going through `Codable` (the hot path).
enum JSONResponse {
    static let headers: HTTPFields = [.contentType: "application/json"]

    static func make(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    static func make(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        make(value.jsonText, status: status)
    }

    static let empty = "{}"
}

extension JSONValue {
    /// `value` as a JSON string literal.
    static func quoted(_ value: String) -> String { JSONValue.string(value).jsonText }
}

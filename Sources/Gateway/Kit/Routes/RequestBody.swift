import Hummingbird
import InfernetCore
import NIOCore

extension Request {
    /// The body parsed as JSON; malformed JSON or an oversized body is a 400/413 with a JSON
    /// error body, never a 500.
    /// `limit` is `node.max_request_body_bytes`.
    mutating func jsonBody(limit: Int) async throws -> JSONValue {
        let buffer: ByteBuffer
        do {
            buffer = try await collectBody(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw APIError.bodyTooLarge(limit: limit)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw APIError.bodyTooLarge(limit: limit)
        }
        do {
            return try JSONValue(parsing: buffer.readableBytesView)
        } catch {
            throw APIError.field("body", "malformed JSON (\(error))")
        }
    }
}

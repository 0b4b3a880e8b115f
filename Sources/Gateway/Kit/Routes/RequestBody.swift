import Hummingbird
import InfernetCore

extension Request {
    /// The body parsed as JSON; malformed JSON or an oversized body is a 400/413 with a JSON
    /// error body, never a 500.
    mutating func jsonBody(context: GatewayContext) async throws -> JSONValue {
        let buffer: ByteBuffer
        do {
            buffer = try await collectBody(upTo: context.maxUploadSize)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw APIError(.contentTooLarge, "body: larger than \(context.maxUploadSize) bytes")
        }
        do {
            return try JSONValue(parsing: buffer.readableBytesView)
        } catch {
            throw APIError.field("body", "malformed JSON (\(error))")
        }
    }
}

public import AsyncHTTPClient
import Foundation
public import InfernetCore
import NIOCore
import NIOHTTP1
public import ServiceKit

/// Calls a hosted API (OpenAI, TGI, Hugging Face, ...) with JSON bodies, retrying the statuses
/// of its `RetryPolicy` with back-off. Failures are `ServiceError`s (502) whose text never
/// holds a secret (API keys are redacted).
public struct UpstreamClient: Sendable {
    /// The API's name in error messages ("OpenAI").
    public var name: String
    public var retry: RetryPolicy
    public var timeout: TimeAmount
    /// Replaced by `***` in every error text.
    public var secrets: [String]
    /// Decides, for a failed answer `(status, body)`, whether to try again; default: the
    /// policy's statuses.
    public var shouldRetry: @Sendable (Int, JSONValue?) -> Bool
    public var http: HTTPClient
    public static let maxBodyBytes = 64 << 20

    /// A process-wide client whose connection attempts give up after 10 s (AsyncHTTPClient's
    /// shared client keeps retrying a refused connection until the request's deadline).
    public static let sharedHTTPClient = HTTPClient(
        eventLoopGroupProvider: .singleton,
        configuration: HTTPClient.Configuration(timeout: .init(connect: .seconds(10)))
    )

    public init(name: String, retry: RetryPolicy = RetryPolicy(), timeout: TimeAmount = .seconds(180),
                secrets: [String?] = [], http: HTTPClient = UpstreamClient.sharedHTTPClient,
                shouldRetry: (@Sendable (Int, JSONValue?) -> Bool)? = nil) {
        self.name = name
        self.retry = retry
        self.timeout = timeout
        self.secrets = secrets.compactMap { $0 }.filter { !$0.isEmpty }
        self.http = http
        let statuses = retry.retryStatuses
        self.shouldRetry = shouldRetry ?? { status, _ in statuses.contains(status) }
    }

    /// POSTs `body`, returns the parsed JSON answer.
    public func postJSON(_ url: String, headers: [(String, String)] = [], body: JSONValue) async throws(ServiceError) -> JSONValue {
        let response = try await send(url, method: .POST, headers: headers, body: body)
        let bytes = try await collect(response)
        do {
            return try JSONValue(parsing: bytes.readableBytesView)
        } catch {
            throw .upstream("\(name) answered something that is not JSON: \(redact(String(buffer: bytes).prefix(200)))")
        }
    }

    /// GETs `url`, returns the parsed JSON answer (no retries beyond the policy's statuses).
    public func getJSON(_ url: String, headers: [(String, String)] = []) async throws(ServiceError) -> JSONValue {
        let response = try await send(url, method: .GET, headers: headers, body: nil)
        let bytes = try await collect(response)
        do {
            return try JSONValue(parsing: bytes.readableBytesView)
        } catch {
            throw .upstream("\(name) answered something that is not JSON")
        }
    }

    /// POSTs `body` and returns the `data:` payloads of the server-sent events it answers with.
    /// Retries happen before the first byte; an error later ends the stream.
    public func postEvents(_ url: String, headers: [(String, String)] = [], body: JSONValue) async throws(ServiceError) -> AsyncThrowingStream<String, any Error> {
        let response = try await send(url, method: .POST, headers: headers + [("Accept", "text/event-stream")], body: body)
        let name = name
        return AsyncThrowingStream { continuation in
            let task = Task {
                var parser = SSEParser()
                do {
                    for try await buffer in response.body {
                        for event in parser.feed(buffer.readableBytesView) { continuation.yield(event) }
                    }
                    for event in parser.finish() { continuation.yield(event) }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: ServiceError.upstream("the stream from \(name) broke off: \(error)"))
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// Sends with retries; returns a 2xx response with its body unread.
    func send(_ url: String, method: HTTPMethod, headers: [(String, String)], body: JSONValue?) async throws(ServiceError) -> HTTPClientResponse {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (field, value) in headers { request.headers.add(name: field, value: value) }
        if let body {
            request.headers.replaceOrAdd(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body.jsonText))
        }
        var attempt = 1
        while true {
            let response: HTTPClientResponse
            do {
                response = try await http.execute(request, timeout: timeout)
            } catch {
                throw .upstream("could not reach \(name): \(redact("\(error)"))")
            }
            let status = Int(response.status.code)
            if (200..<300).contains(status) { return response }
            let bytes = (try? await response.body.collect(upTo: 1 << 20)) ?? ByteBuffer()
            let json = try? JSONValue(parsing: bytes.readableBytesView)
            if attempt < retry.maxAttempts && shouldRetry(status, json) {
                do {
                    try await Task.sleep(for: retry.delay(afterAttempt: attempt))
                } catch {
                    throw .upstream("\(name): cancelled while waiting to retry")
                }
                attempt += 1
                continue
            }
            let detail = json.map(Self.errorMessage) ?? String(buffer: bytes)
            let tries = attempt > 1 ? " after \(attempt) tries" : ""
            throw .upstream("\(name) answered HTTP \(status)\(tries): \(redact(String(detail.prefix(500))))")
        }
    }

    func collect(_ response: HTTPClientResponse) async throws(ServiceError) -> ByteBuffer {
        do {
            return try await response.body.collect(upTo: Self.maxBodyBytes)
        } catch {
            throw .upstream("reading the answer of \(name) failed: \(redact("\(error)"))")
        }
    }

    /// The message of an API error body: `{"error": {"message"}}` (OpenAI), `{"error": str}`
    /// (TGI, Hugging Face), `{"detail": ...}`, else the body.
    public static func errorMessage(_ body: JSONValue) -> String {
        if let message = body["error"]?["message"]?.stringValue { return message }
        if let message = body["error"]?.stringValue { return message }
        if let detail = body["detail"] { return detail.stringValue ?? detail.jsonText }
        if let message = body["message"]?.stringValue { return message }
        return body.jsonText
    }

    /// `text` with every secret replaced by `***`.
    public func redact(_ text: some StringProtocol) -> String {
        var result = String(text)
        for secret in secrets { result = result.replacingOccurrences(of: secret, with: "***") }
        return result
    }
}

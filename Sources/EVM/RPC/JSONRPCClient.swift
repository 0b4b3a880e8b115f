import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// Settings of a `JSONRPCClient`.
public struct JSONRPCConfiguration: Sendable {
    /// URLs in order of preference; the client fails over between them.
    public var urls: [String]
    /// Per-request timeout.
    public var timeout: Duration = .seconds(15)
    /// Attempts per call across all URLs (transport errors and rate limiting are retried).
    public var maxAttempts = 5
    /// First back-off delay; doubles per retry up to `maxBackoff` (with jitter).
    public var initialBackoff: Duration = .milliseconds(100)
    public var maxBackoff: Duration = .seconds(5)
    /// How long a failing or lagging URL is first set aside (doubles per consecutive failure).
    public var setAsideCooldown: Duration = .seconds(5)
    public var maxSetAsideCooldown: Duration = .seconds(300)
    /// A URL whose head is more than this many blocks behind the best one is set aside.
    public var maxLagBlocks: UInt64 = 5
    /// How often `blockNumber()` compares heads across URLs (only with more than one URL).
    public var headCheckInterval: Duration = .seconds(15)
    /// Largest response body accepted.
    public var maxResponseBytes = 128 << 20

    public init(urls: [String]) {
        self.urls = urls
    }

    public init(endpoints: [URL]) {
        self.init(urls: endpoints.map(\.absoluteString))
    }
}

/// An Ethereum JSON-RPC client over HTTP with retries, back-off, batching and fail-over.
public final class JSONRPCClient: Sendable {
    public let configuration: JSONRPCConfiguration
    let http: HTTPClient
    let pool: EndpointPool
    let logger: Logger

    /// The process-wide HTTP client used by default. Unlike `HTTPClient.shared` it does not retry
    /// failed connection attempts until the deadline (this client fails over to the next URL
    /// instead) and it gives up connecting after 3 seconds.
    public static let defaultHTTPClient: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(3)
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    /// - Parameter httpClient: the HTTP client to use; it should not retry connection establishment
    ///   (see `defaultHTTPClient`), or a dead URL costs a whole timeout before fail-over.
    public init(configuration: JSONRPCConfiguration, httpClient: HTTPClient = JSONRPCClient.defaultHTTPClient,
                logger: Logger = Logger(label: "infernet.evm.rpc")) {
        self.configuration = configuration
        self.http = httpClient
        self.pool = EndpointPool(urls: configuration.urls, baseCooldown: configuration.setAsideCooldown,
                                 maxCooldown: configuration.maxSetAsideCooldown)
        self.logger = logger
    }

    public convenience init(urls: [String]) {
        self.init(configuration: JSONRPCConfiguration(urls: urls))
    }

    /// A client over already-validated endpoint URLs (a node's `chain.rpc_url` + `chain.rpc_urls`).
    public convenience init(endpoints: [URL]) {
        self.init(configuration: JSONRPCConfiguration(endpoints: endpoints))
    }

    /// One call. JSON-RPC errors come back as `RPCError.server` (not retried, except -32005).
    public func request(_ method: String, _ params: [RPCValue] = []) async throws -> RPCValue {
        let id = await pool.takeID()
        let payload: RPCValue = .object(["jsonrpc": "2.0", "id": .int(id), "method": .string(method), "params": .array(params)])
        return try await withRetries(method: method) { index, url in
            let response = try await self.post(payload, url: url, method: method)
            return try Self.result(of: response, url: url, method: method)
        }
    }

    /// Several calls in one HTTP request. Results are in call order; each is a value or the
    /// JSON-RPC error for that call. The whole batch is retried on transport errors / rate limits.
    public func batch(_ calls: [(method: String, params: [RPCValue])]) async throws -> [Result<RPCValue, RPCError>] {
        guard !calls.isEmpty else { return [] }
        let firstID = await pool.takeID(count: calls.count)
        let payload: RPCValue = .array(calls.enumerated().map { offset, call in
            .object(["jsonrpc": "2.0", "id": .int(firstID + Int64(offset)), "method": .string(call.method),
                     "params": .array(call.params)])
        })
        let label = "batch(\(calls.count))"
        return try await withRetries(method: label) { _, url in
            let response = try await self.post(payload, url: url, method: label)
            guard let items = response.arrayValue else {
                if case .object = response { _ = try Self.result(of: response, url: url, method: label) }
                throw RPCError.invalidResponse("batch response is not an array", method: label)
            }
            var byID: [Int64: RPCValue] = [:]
            for item in items { if case .int(let id) = item["id"] { byID[id] = item } }
            if byID.values.contains(where: { Self.isRateLimit($0["error"]) }) { throw RetryableFailure.rateLimited }
            return calls.indices.map { offset in
                let method = calls[offset].method
                guard let item = byID[firstID + Int64(offset)] else {
                    return .failure(.invalidResponse("no response for call \(offset)", method: method))
                }
                return Result { () throws(RPCError) in try Self.result(of: item, url: url, method: method) }
            }
        }
    }

    /// URL health, for logs and status pages.
    public func endpointStatus() async -> [(url: String, setAside: Bool, reason: String?, head: UInt64?)] {
        await pool.status()
    }

    // MARK: - Internals

    enum RetryableFailure: Error {
        case transport(String)
        case rateLimited
    }

    static func isRateLimit(_ error: RPCValue?) -> Bool {
        if case .int(let code) = error?["code"], code == -32005 { return true }
        return false
    }

    static func result(of response: RPCValue, url: String, method: String) throws(RPCError) -> RPCValue {
        if let error = response["error"], !error.isNull {
            var code = 0
            if case .int(let value) = error["code"] { code = Int(value) }
            throw .server(code: code, message: error["message"]?.stringValue ?? "", data: error["data"], url: url)
        }
        guard let result = response["result"] else {
            throw .invalidResponse("neither result nor error", method: method)
        }
        return result
    }

    func withRetries<T: Sendable>(method: String, _ body: @Sendable (Int, String) async throws -> T) async throws -> T {
        guard !configuration.urls.isEmpty else { throw RPCError.noEndpoints }
        var tried: Set<Int> = []
        var lastError = RPCError.noEndpoints
        for attempt in 0..<max(1, configuration.maxAttempts) {
            if tried.count == configuration.urls.count {
                tried = []
            }
            guard let index = await pool.choose(excluding: tried) else { break }
            if attempt > 0, tried.isEmpty {
                try await Task.sleep(for: backoff(attempt: attempt))
            }
            tried.insert(index)
            let url = await pool.url(index)
            do {
                let value = try await body(index, url)
                await pool.reportSuccess(index)
                return value
            } catch let failure as RetryableFailure {
                switch failure {
                case .transport(let reason):
                    lastError = .transport(reason, url: url)
                    await pool.reportFailure(index, reason: reason)
                case .rateLimited:
                    lastError = .rateLimited(url: url)
                    await pool.reportFailure(index, reason: "rate limited")
                }
                logger.debug("JSON-RPC \(method) attempt \(attempt + 1) failed: \(lastError)")
            }
        }
        throw lastError
    }

    private func backoff(attempt: Int) -> Duration {
        var delay = configuration.initialBackoff * (1 << min(attempt - 1, 20))
        if delay > configuration.maxBackoff { delay = configuration.maxBackoff }
        return delay * Double.random(in: 0.75...1.25)
    }

    func post(_ payload: RPCValue, url: String, method: String) async throws -> RPCValue {
        guard let text = payload.jsonText else {
            throw RPCError.invalidResponse("cannot encode request: a number is not finite", method: method)
        }
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: text))
        let timeout = TimeAmount.nanoseconds(Int64(configuration.timeout.components.seconds) * 1_000_000_000
            + configuration.timeout.components.attoseconds / 1_000_000_000)
        let response: HTTPClientResponse
        let bytes: ByteBuffer
        do {
            response = try await http.execute(request, timeout: timeout)
            bytes = try await response.body.collect(upTo: configuration.maxResponseBytes)
        } catch {
            throw RetryableFailure.transport("\(error)")
        }
        if response.status == .tooManyRequests { throw RetryableFailure.rateLimited }
        let decoded = bytes.withUnsafeReadableBytes { try? RPCValue(parsing: $0) }
        guard let decoded else {
            if response.status.code >= 300 { throw RetryableFailure.transport("HTTP \(response.status.code)") }
            throw RPCError.invalidResponse("body is not JSON", method: method)
        }
        if response.status.code >= 500, decoded["error"] == nil { throw RetryableFailure.transport("HTTP \(response.status.code)") }
        if Self.isRateLimit(decoded["error"]) { throw RetryableFailure.rateLimited }
        return decoded
    }
}

import EVM
import Foundation
public import InfernetCore
public import ServiceClients
public import ServiceKit

/// Where the text-generation-inference server is and how to call it.
public struct TGIConfiguration: Sendable {
    /// The server's base URL, e.g. `http://tgi:80`.
    public var url: String
    public var timeout: Duration
    /// Generation parameters sent with every request (`temperature`, `top_k`, `max_new_tokens`, ...).
    public var parameters: JSONObject
    /// Sent as `Authorization: Bearer` when set (e.g. a Hugging Face inference endpoint).
    public var bearerToken: String?
    /// Retried: 429 and 503 (TGI's answers when overloaded) and bodies with `error_type: overloaded`.
    public var retry: RetryPolicy

    public init(url: String, timeout: Duration = .seconds(180), parameters: JSONObject = JSONObject(),
                bearerToken: String? = nil, retry: RetryPolicy = RetryPolicy(retryStatuses: [429, 503])) {
        var url = url
        while url.hasSuffix("/") { url.removeLast() }
        self.url = url
        self.timeout = timeout
        self.parameters = parameters
        self.bearerToken = bearerToken
        self.retry = retry
    }

    /// `TGI_URL` (or `TGI_INF_URL`), `TGI_TIMEOUT` (seconds), `TGI_PARAMS` (a JSON object of
    /// generation parameters), `TGI_BEARER` (or `TGI_TOKEN`), `TGI_RETRY_TRIES`,
    /// `TGI_RETRY_DELAY_MS`, `TGI_RETRY_BACKOFF`, `TGI_RETRY_JITTER_MS`.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws(ServiceError) -> TGIConfiguration {
        guard let url = Environment.value(environment, "TGI_URL", "TGI_INF_URL") else {
            throw .internalError("TGI_URL is not set: the URL of the text-generation-inference server")
        }
        var parameters = JSONObject()
        if let text = Environment.value(environment, "TGI_PARAMS") {
            guard let object = (try? JSONValue(parsing: text))?.objectValue else {
                throw .internalError("TGI_PARAMS is not a JSON object")
            }
            parameters = object
        }
        var timeout = Duration.seconds(180)
        if let text = Environment.value(environment, "TGI_TIMEOUT") {
            guard let seconds = Double(text), seconds > 0 else { throw .internalError("TGI_TIMEOUT is not a positive number") }
            timeout = .milliseconds(Int64(seconds * 1000))
        }
        return TGIConfiguration(url: url, timeout: timeout, parameters: parameters,
                                bearerToken: Environment.value(environment, "TGI_BEARER", "TGI_TOKEN"),
                                retry: RetryPolicy(retryStatuses: [429, 503]).overridden(by: environment, prefix: "TGI_"))
    }
}

/// Relays prompts to a Hugging Face text-generation-inference server.
public struct TGIService: Sendable {
    public var configuration: TGIConfiguration

    public init(configuration: TGIConfiguration) { self.configuration = configuration }

    public static let info = ServiceInfo(
        id: "tgi-client-inference", greeting: "Infernet TGI client service",
        computeCapability: [["id": "tgi-client-inference", "type": "tgi", "task": ["text_generation"], "models": []]]
    )

    public func application(configuration server: ServiceConfiguration) -> ServiceApplication {
        ServiceApplication(info: Self.info, configuration: server) { request in try await self.handle(request) }
    }

    var client: UpstreamClient {
        UpstreamClient(name: "TGI", retry: configuration.retry,
                       timeout: .nanoseconds(configuration.timeout.components.seconds * 1_000_000_000),
                       secrets: [configuration.bearerToken],
                       shouldRetry: { [statuses = configuration.retry.retryStatuses] status, body in
                           statuses.contains(status) || body?["error_type"]?.stringValue == "overloaded"
                       })
    }

    var headers: [(String, String)] { configuration.bearerToken.map { [("Authorization", "Bearer \($0)")] } ?? [] }

    /// `GET /info`: the served model's id; fails when the server cannot be reached within
    /// `timeout` (AsyncHTTPClient keeps retrying a refused connection until then).
    public func checkServer(timeout: Duration = .seconds(15)) async throws(ServiceError) -> String {
        var client = client
        client.timeout = .milliseconds(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        let info = try await client.getJSON(configuration.url + "/info", headers: headers)
        return info["model_id"]?.stringValue ?? "unknown"
    }

    public func handle(_ request: ServiceRequest) async throws(ServiceError) -> ServiceOutput {
        let rawInput = request.source == .onchain ? try request.onchainBytes() : []
        let prompt = try request.input(
            onchain: { bytes in
                let values = try OnchainCodec.decode([.string], from: bytes)
                return try OnchainCodec.value({ try values[0].stringValue() }, "prompt")
            },
            offchain: { data in try Fields(data).string("text") }
        )
        let body: JSONValue = .object(JSONObject([
            (key: "inputs", value: .string(prompt)),
            (key: "parameters", value: .object(configuration.parameters)),
        ]))
        let client = client
        if request.isStreaming {
            let url = configuration.url + "/generate_stream"
            let headers = headers
            return .stream { continuation in
                for try await event in try await client.postEvents(url, headers: headers, body: body) {
                    guard let chunk = try? JSONValue(parsing: event) else {
                        throw ServiceError.upstream("TGI streamed something that is not JSON")
                    }
                    if chunk["error"] != nil {
                        throw ServiceError.upstream("TGI failed mid-stream: \(client.redact(UpstreamClient.errorMessage(chunk)))")
                    }
                    guard let token = chunk["token"], token["special"]?.boolValue != true,
                          let text = token["text"]?.stringValue, !text.isEmpty else { continue }
                    continuation.yield(text)
                }
            }
        }
        let answer = try await client.postJSON(configuration.url + "/generate", headers: headers, body: body)
        guard let text = (answer["generated_text"] ?? answer.arrayValue?.first?["generated_text"])?.stringValue else {
            throw .upstream("TGI answered without generated_text")
        }
        if request.destination == .onchain {
            return .onchain(OnchainServiceOutput(rawInput: rawInput, rawOutput: try OnchainCodec.encode(string: text)))
        }
        return .output(.string(text))
    }
}

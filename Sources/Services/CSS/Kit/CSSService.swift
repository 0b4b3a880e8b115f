import Foundation
import InfernetCore
public import ServiceClients
public import ServiceKit

/// Where each provider lives and the keys to call it.
public struct CSSConfiguration: Sendable {
    public var baseURLs: [CSSProvider: String]
    public var apiKeys: [CSSProvider: String]
    public var retry: RetryPolicy
    public var timeout: Duration

    public static let defaultBaseURLs: [CSSProvider: String] = [
        .openai: "https://api.openai.com",
        .perplexityai: "https://api.perplexity.ai",
        .gooseai: "https://api.goose.ai",
    ]

    public init(baseURLs: [CSSProvider: String] = CSSConfiguration.defaultBaseURLs, apiKeys: [CSSProvider: String] = [:],
                retry: RetryPolicy = RetryPolicy(), timeout: Duration = .seconds(180)) {
        self.baseURLs = baseURLs
        self.apiKeys = apiKeys
        self.retry = retry
        self.timeout = timeout
    }

    /// `<PROVIDER>_BASE_URL`, `<PROVIDER>_API_KEY` (PROVIDER: OPENAI, PERPLEXITYAI, GOOSEAI),
    /// `CSS_RETRY_TRIES`, `CSS_RETRY_DELAY_MS`, `CSS_RETRY_BACKOFF`, `CSS_RETRY_JITTER_MS`.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> CSSConfiguration {
        var configuration = CSSConfiguration(retry: RetryPolicy().overridden(by: environment, prefix: "CSS_"))
        for provider in CSSProvider.allCases {
            configuration.baseURLs[provider] = Environment.baseURL(environment, "\(provider.name)_BASE_URL",
                                                                   default: defaultBaseURLs[provider]!)
            configuration.apiKeys[provider] = Environment.value(environment, "\(provider.name)_API_KEY")
        }
        return configuration
    }

}

/// The closed-source-model service: relays completions and embeddings to OpenAI, Perplexity
/// and GooseAI.
public struct CSSService: Sendable {
    public var configuration: CSSConfiguration

    public init(configuration: CSSConfiguration) { self.configuration = configuration }

    public static let info = ServiceInfo(
        id: "css-inference", greeting: "Infernet closed-source-model (CSS) service",
        computeCapability: [["id": "css-inference", "type": "css", "task": ["completions", "embeddings"], "models": []]]
    )

    public func application(configuration server: ServiceConfiguration) -> ServiceApplication {
        ServiceApplication(info: Self.info, configuration: server) { request in try await self.handle(request) }
    }

    public func handle(_ request: ServiceRequest) async throws(ServiceError) -> ServiceOutput {
        let rawInput = request.source == .onchain ? try request.onchainBytes() : []
        let input = try request.input(onchain: { try CSSInput(onchain: $0) }, offchain: { try CSSInput(offchain: $0) })
        if input.endpoint == .embeddings && request.destination != .offchain {
            throw .invalidField("data.endpoint", "embeddings are only offered for off-chain destinations")
        }
        let call = try upstreamCall(input, streaming: request.isStreaming)
        let client = client(for: input.provider)
        if request.isStreaming {
            let extract = Self.streamText(provider: input.provider)
            return .stream { continuation in
                let events = try await client.postEvents(call.url, headers: call.headers, body: call.body)
                for try await event in events {
                    if event.trimmingCharacters(in: .whitespaces) == "[DONE]" { break }
                    guard let chunk = try? JSONValue(parsing: event) else {
                        throw ServiceError.upstream("\(client.name) streamed something that is not JSON")
                    }
                    if chunk["error"] != nil {
                        throw ServiceError.upstream("\(client.name) failed mid-stream: \(client.redact(UpstreamClient.errorMessage(chunk)))")
                    }
                    if let text = extract(chunk), !text.isEmpty { continuation.yield(text) }
                }
            }
        }
        let answer = try await client.postJSON(call.url, headers: call.headers, body: call.body)
        let result = try Self.result(answer, input: input, api: client.name)
        if request.destination == .onchain {
            guard let text = result.stringValue else { throw .internalError("a non-text result cannot be delivered on-chain") }
            return .onchain(OnchainServiceOutput(rawInput: rawInput, rawOutput: try OnchainCodec.encode(string: text)))
        }
        return .output(result)
    }

    struct UpstreamCall {
        var url: String
        var headers: [(String, String)]
        var body: JSONValue
    }

    func client(for provider: CSSProvider) -> UpstreamClient {
        let apiName = switch provider {
        case .openai: "OpenAI"
        case .perplexityai: "Perplexity"
        case .gooseai: "GooseAI"
        }
        return UpstreamClient(name: apiName, retry: configuration.retry, timeout: .nanoseconds(configuration.timeout.nanos),
                              secrets: [configuration.apiKeys[provider]])
    }

    func upstreamCall(_ input: CSSInput, streaming: Bool) throws(ServiceError) -> UpstreamCall {
        guard let key = configuration.apiKeys[input.provider] else {
            throw ServiceError(status: .serviceUnavailable,
                               "\(input.provider.name)_API_KEY is not set: this service cannot call \(input.provider.name)")
        }
        let base = configuration.baseURLs[input.provider] ?? CSSConfiguration.defaultBaseURLs[input.provider]!
        let headers = [("Authorization", "Bearer \(key)")]
        var body = JSONObject([(key: "model", value: .string(input.model))])
        let path: String
        switch (input.provider, input.endpoint) {
        case (.openai, .completions), (.perplexityai, .completions):
            path = input.provider == .openai ? "/v1/chat/completions" : "/chat/completions"
            body["messages"] = .array(input.messages.map(\.json))
        case (.openai, .embeddings):
            path = "/v1/embeddings"
            body["input"] = .string(input.input ?? "")
        case (.gooseai, .completions):
            let model = input.model.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])) ?? input.model
            path = "/v1/engines/\(model)/completions"
            body = JSONObject([(key: "prompt", value: .string(input.messages.last?.content ?? ""))])
        case (_, .embeddings):
            throw .invalidField("data.endpoint", "\(input.provider.name) does not offer embeddings")
        }
        body = body.merging(input.extraArgs)
        if streaming { body["stream"] = true }
        return UpstreamCall(url: base + path, headers: headers, body: .object(body))
    }

    /// The answer's text (completions) or vector (embeddings).
    static func result(_ answer: JSONValue, input: CSSInput, api: String) throws(ServiceError) -> JSONValue {
        let first = answer["choices"]?.arrayValue?.first
        switch (input.provider, input.endpoint) {
        case (_, .embeddings):
            guard let vector = answer["data"]?.arrayValue?.first?["embedding"], vector.arrayValue != nil else {
                throw .upstream("\(api) answered without data[0].embedding")
            }
            return vector
        case (.gooseai, _):
            guard let text = first?["text"]?.stringValue else { throw .upstream("\(api) answered without choices[0].text") }
            return .string(text)
        default:
            guard let text = first?["message"]?["content"]?.stringValue else {
                throw .upstream("\(api) answered without choices[0].message.content")
            }
            return .string(text)
        }
    }

    /// The text of one streamed chunk.
    static func streamText(provider: CSSProvider) -> @Sendable (JSONValue) -> String? {
        { chunk in
            let choice = chunk["choices"]?.arrayValue?.first
            if provider == .gooseai { return choice?["text"]?.stringValue }
            return choice?["delta"]?["content"]?.stringValue
        }
    }
}

extension Duration {
    var nanos: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}

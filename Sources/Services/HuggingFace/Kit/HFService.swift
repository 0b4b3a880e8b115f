import Foundation
import InfernetCore
public import ServiceClients
public import ServiceKit

public struct HFConfiguration: Sendable {
    public var baseURL: String
    public var token: String?
    public var defaultModels: [HFTask: String]
    public var retry: RetryPolicy
    public var timeout: Duration

    public static let defaultBaseURL = "https://api-inference.huggingface.co"

    public init(baseURL: String = HFConfiguration.defaultBaseURL, token: String?, defaultModels: [HFTask: String] = [:],
                retry: RetryPolicy = RetryPolicy(retryStatuses: [429, 500, 503]), timeout: Duration = .seconds(180)) {
        var baseURL = baseURL
        while baseURL.hasSuffix("/") { baseURL.removeLast() }
        self.baseURL = baseURL
        self.token = token
        self.defaultModels = defaultModels
        self.retry = retry
        self.timeout = timeout
    }

    /// `HF_INF_BASE_URL`, `HF_INF_TOKEN`, `HF_DEFAULT_MODEL_<TASK>` (e.g.
    /// `HF_DEFAULT_MODEL_TEXT_GENERATION`), `HF_RETRY_TRIES`, `HF_RETRY_DELAY_MS`, ...
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> HFConfiguration {
        var models: [HFTask: String] = [:]
        for task in HFTask.allCases {
            models[task] = Environment.value(environment, "HF_DEFAULT_MODEL_\(task.name.uppercased())")
        }
        return HFConfiguration(baseURL: Environment.baseURL(environment, "HF_INF_BASE_URL", default: defaultBaseURL),
                               token: Environment.value(environment, "HF_INF_TOKEN"), defaultModels: models,
                               retry: RetryPolicy(retryStatuses: [429, 500, 503]).overridden(by: environment, prefix: "HF_"))
    }
}

/// The Hugging Face inference client service: text generation, text classification, token
/// classification and summarization through the hosted inference API.
public struct HFService: Sendable {
    public var configuration: HFConfiguration

    public init(configuration: HFConfiguration) { self.configuration = configuration }

    public static let info = ServiceInfo(
        id: "hf-inference-client", greeting: "Infernet Hugging Face inference client service",
        computeCapability: [["id": "hf-inference-client", "type": "hf-client",
                             "task": .array(HFTask.allCases.map { .string($0.name) }), "models": []]]
    )

    public func application(configuration server: ServiceConfiguration) -> ServiceApplication {
        ServiceApplication(info: Self.info, configuration: server) { request in try await self.handle(request) }
    }

    public func handle(_ request: ServiceRequest) async throws(ServiceError) -> ServiceOutput {
        if request.isStreaming { throw .invalidField("destination", "the Hugging Face client does not stream") }
        let rawInput = request.source == .onchain ? try request.onchainBytes() : []
        let input = try request.input(onchain: { try HFInput(onchain: $0) }, offchain: { try HFInput(offchain: $0) })
        guard let token = configuration.token else {
            throw ServiceError(status: .serviceUnavailable, "HF_INF_TOKEN is not set: this service cannot call Hugging Face")
        }
        let model = input.model ?? configuration.defaultModels[input.task] ?? input.task.defaultModel
        var parameters = input.parameters
        if input.task == .tokenClassification && parameters["aggregation_strategy"] == nil {
            parameters["aggregation_strategy"] = "simple"
        }
        var body = JSONObject([(key: "inputs", value: .string(input.text))])
        if parameters.count > 0 { body["parameters"] = .object(parameters) }
        let client = UpstreamClient(name: "Hugging Face", retry: configuration.retry,
                                    timeout: .nanoseconds(configuration.timeout.components.seconds * 1_000_000_000),
                                    secrets: [token])
        let answer = try await client.postJSON("\(configuration.baseURL)/models/\(model)",
                                               headers: [("Authorization", "Bearer \(token)")], body: .object(body))
        let output = try HFResult.output(answer, task: input.task)
        if request.destination == .onchain {
            return .onchain(OnchainServiceOutput(rawInput: rawInput, rawOutput: try HFResult.onchain(output, task: input.task)))
        }
        return .output(output)
    }
}

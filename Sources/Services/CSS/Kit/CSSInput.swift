import EVM
public import InfernetCore
import ServiceClients
public import ServiceKit

/// A closed-source model provider; the raw value is its on-chain code.
public enum CSSProvider: Int, Sendable, CaseIterable {
    case openai = 0, gooseai = 1, perplexityai = 2

    public var name: String {
        switch self {
        case .openai: "OPENAI"
        case .gooseai: "GOOSEAI"
        case .perplexityai: "PERPLEXITYAI"
        }
    }

    public init?(name: String) {
        guard let provider = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = provider
    }
}

/// What the model is asked for; the raw value is its on-chain code.
public enum CSSEndpoint: Int, Sendable, CaseIterable {
    case completions = 0, embeddings = 1

    public var name: String { self == .completions ? "completions" : "embeddings" }
}

public struct ChatMessage: Sendable, Equatable {
    public var role: String
    public var content: String

    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }

    var json: JSONValue { .object(JSONObject([(key: "role", value: .string(role)), (key: "content", value: .string(content))])) }
}

/// A CSS request: off-chain `{"provider", "endpoint", "model", "params", "stream", "extra_args"}`
/// or on-chain `abi.encode(uint8 provider, uint8 endpoint, string model, (string,string)[] messages)`.
public struct CSSInput: Sendable, Equatable {
    public var provider: CSSProvider
    public var endpoint: CSSEndpoint
    public var model: String
    /// Completions: the conversation.
    public var messages: [ChatMessage]
    /// Embeddings: the text to embed.
    public var input: String?
    public var stream: Bool
    public var extraArgs: JSONObject

    public init(provider: CSSProvider, endpoint: CSSEndpoint, model: String, messages: [ChatMessage] = [],
                input: String? = nil, stream: Bool = false, extraArgs: JSONObject = JSONObject()) {
        self.provider = provider
        self.endpoint = endpoint
        self.model = model
        self.messages = messages
        self.input = input
        self.stream = stream
        self.extraArgs = extraArgs
    }

    public static let onchainTypes: [ABIType] = [.uint8, .uint8, .string, .array(.tuple([.string, .string]))]

    public init(offchain data: JSONValue) throws(ServiceError) {
        let fields = try Fields(data)
        let providerName = try fields.string("provider")
        guard let provider = CSSProvider(name: providerName) else {
            throw .invalidField("data.provider", "expected OPENAI, PERPLEXITYAI or GOOSEAI, got '\(providerName)'")
        }
        let endpointName = try fields.string("endpoint")
        guard let endpoint = CSSEndpoint.allCases.first(where: { $0.name == endpointName }) else {
            throw .invalidField("data.endpoint", "expected completions or embeddings, got '\(endpointName)'")
        }
        let model = try fields.string("model")
        let params = try fields.object("params")
        var messages: [ChatMessage] = []
        var input: String?
        switch endpoint {
        case .completions:
            for (index, item) in try params.array("messages").enumerated() {
                let message = try Fields(item, path: "data.params.messages[\(index)]")
                messages.append(ChatMessage(role: try message.string("role"), content: try message.string("content")))
            }
            if messages.isEmpty { throw .invalidField("data.params.messages", "expected at least one message") }
        case .embeddings:
            input = try params.string("input")
        }
        self.init(provider: provider, endpoint: endpoint, model: model, messages: messages, input: input,
                  stream: try fields.bool("stream", default: false),
                  extraArgs: try fields.optionalObject("extra_args") ?? JSONObject())
    }

    public init(onchain bytes: [UInt8]) throws(ServiceError) {
        let values = try OnchainCodec.decode(Self.onchainTypes, from: bytes)
        let providerCode = try OnchainCodec.value({ try values[0].integerValue(Int.self) }, "provider")
        guard let provider = CSSProvider(rawValue: providerCode) else {
            throw .invalidField("data", "unknown on-chain provider \(providerCode) (OPENAI=0, GOOSEAI=1, PERPLEXITYAI=2)")
        }
        let endpointCode = try OnchainCodec.value({ try values[1].integerValue(Int.self) }, "endpoint")
        guard let endpoint = CSSEndpoint(rawValue: endpointCode) else {
            throw .invalidField("data", "unknown on-chain endpoint \(endpointCode) (completions=0, embeddings=1)")
        }
        guard endpoint == .completions else { throw .invalidField("data", "embeddings are not allowed on-chain") }
        let model = try OnchainCodec.value({ try values[2].stringValue() }, "model")
        let messages = try OnchainCodec.value({
            try values[3].arrayValue().map { item in
                let pair = try item.tupleValue()
                return ChatMessage(role: try pair[0].stringValue(), content: try pair[1].stringValue())
            }
        }, "messages")
        if messages.isEmpty { throw .invalidField("data", "the on-chain messages are empty") }
        self.init(provider: provider, endpoint: endpoint, model: model, messages: messages)
    }
}

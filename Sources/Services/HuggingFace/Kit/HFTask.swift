import BigInt
import EVM
public import InfernetCore
import ServiceClients
public import ServiceKit

/// The Hugging Face inference tasks, by `task_id`.
public enum HFTask: Int, Sendable, CaseIterable {
    case textGeneration = 1, textClassification = 2, tokenClassification = 3, summarization = 4

    public var name: String {
        switch self {
        case .textGeneration: "text_generation"
        case .textClassification: "text_classification"
        case .tokenClassification: "token_classification"
        case .summarization: "summarization"
        }
    }

    /// The model used when a request names none (override: `HF_DEFAULT_MODEL_<NAME>`).
    public var defaultModel: String {
        switch self {
        case .textGeneration: "gpt2"
        case .textClassification: "distilbert-base-uncased-finetuned-sst-2-english"
        case .tokenClassification: "dslim/bert-base-NER"
        case .summarization: "facebook/bart-large-cnn"
        }
    }
}

/// One request: off-chain `{"task_id", "model"?, "prompt"|"text", ...}` or on-chain
/// `abi.encode(uint8 task_id, string model, string text)`.
public struct HFInput: Sendable, Equatable {
    public var task: HFTask
    /// Nil: the task's default model.
    public var model: String?
    /// The prompt (text generation) or the text.
    public var text: String
    /// The `parameters` sent upstream.
    public var parameters: JSONObject

    public init(task: HFTask, model: String? = nil, text: String, parameters: JSONObject = JSONObject()) {
        self.task = task
        self.model = model
        self.text = text
        self.parameters = parameters
    }

    public static let onchainTypes: [ABIType] = [.uint8, .string, .string]

    static func task(_ code: Int, field: String) throws(ServiceError) -> HFTask {
        guard let task = HFTask(rawValue: code) else {
            throw .invalidField(field, "expected 1 (text generation), 2 (text classification), 3 (token classification) or 4 (summarization), got \(code)")
        }
        return task
    }

    public init(offchain data: JSONValue) throws(ServiceError) {
        let fields = try Fields(data)
        let task = try Self.task(try fields.int("task_id"), field: "data.task_id")
        let model = try fields.optionalString("model").flatMap { $0.isEmpty ? nil : $0 }
        var parameters = try fields.optionalObject("parameters") ?? JSONObject()
        let text: String
        switch task {
        case .textGeneration:
            text = try fields.string("prompt")
            // Other keys are generation parameters (max_new_tokens, temperature, ...).
            for (key, value) in fields.object where !["task_id", "model", "prompt", "parameters"].contains(key) {
                parameters[key] = value
            }
        case .textClassification, .tokenClassification, .summarization:
            text = try fields.string("text")
        }
        self.init(task: task, model: model, text: text, parameters: parameters)
    }

    public init(onchain bytes: [UInt8]) throws(ServiceError) {
        let values = try OnchainCodec.decode(Self.onchainTypes, from: bytes)
        let code = try OnchainCodec.value({ try values[0].integerValue(Int.self) }, "task_id")
        let model = try OnchainCodec.value({ try values[1].stringValue() }, "model")
        self.init(task: try Self.task(code, field: "data"), model: model.isEmpty ? nil : model,
                  text: try OnchainCodec.value({ try values[2].stringValue() }, "text"))
    }
}

/// Reading Hugging Face answers and encoding them for on-chain delivery.
enum HFResult {
    /// The off-chain `output` for an answer.
    static func output(_ answer: JSONValue, task: HFTask) throws(ServiceError) -> JSONValue {
        switch task {
        case .textGeneration:
            guard let text = first(answer)?["generated_text"]?.stringValue else {
                throw .upstream("Hugging Face answered without generated_text")
            }
            return .string(text)
        case .summarization:
            guard let text = first(answer)?["summary_text"]?.stringValue else {
                throw .upstream("Hugging Face answered without summary_text")
            }
            return .string(text)
        case .textClassification:
            // `[[{label, score}, ...]]` (one list per input) or `[{label, score}, ...]`.
            var items = answer.arrayValue ?? []
            if let inner = items.first?.arrayValue { items = inner }
            guard items.allSatisfy({ $0["label"]?.stringValue != nil && $0["score"]?.numberValue != nil }) else {
                throw .upstream("Hugging Face answered something that is not a list of {label, score}")
            }
            return .array(items)
        case .tokenClassification:
            guard let items = answer.arrayValue,
                  items.allSatisfy({ group($0) != nil && $0["score"]?.numberValue != nil }) else {
                throw .upstream("Hugging Face answered something that is not a list of {entity_group, score, ...}")
            }
            return .array(items)
        }
    }

    /// `abi.encode(string)`, or `abi.encode(string[] labels, uint256[] scores x 1e6)`.
    static func onchain(_ output: JSONValue, task: HFTask) throws(ServiceError) -> [UInt8] {
        switch task {
        case .textGeneration, .summarization:
            return try OnchainCodec.encode(string: output.stringValue ?? "")
        case .textClassification, .tokenClassification:
            let items = output.arrayValue ?? []
            let labels: [ABIValue] = items.map { .string((task == .textClassification ? $0["label"]?.stringValue : group($0)) ?? "") }
            let scores: [ABIValue] = items.map { .uint(scaled($0["score"]?.numberValue?.doubleValue ?? 0)) }
            return try OnchainCodec.encode([.array(labels), .array(scores)], as: [.array(.string), .array(.uint256)])
        }
    }

    /// A score in [0, 1] times 1e6, truncated (as Python's `int(score * 1e6)`).
    static func scaled(_ score: Double) -> BigUInt {
        let value = (score * 1_000_000).rounded(.towardZero)
        return value > 0 && value.isFinite ? BigUInt(UInt64(value)) : 0
    }

    static func group(_ entity: JSONValue) -> String? {
        entity["entity_group"]?.stringValue ?? entity["entity"]?.stringValue
    }

    static func first(_ answer: JSONValue) -> JSONValue? {
        answer.arrayValue?.first ?? (answer.objectValue != nil ? answer : nil)
    }
}

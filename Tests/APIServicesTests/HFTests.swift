import BigInt
import EVM
import Foundation
import HFService
import InfernetCore
import ServiceClients
import ServiceKit
import Testing

@Suite("Hugging Face client against a fake inference API")
struct HFTests {
    static let token = "hf_SECRET_token"

    static func service(_ base: String, token: String? = HFTests.token) -> ServiceApplication {
        HFService(configuration: HFConfiguration(baseURL: base, token: token, defaultModels: [.summarization: "my/summarizer"],
                                                 retry: RetryPolicy(maxAttempts: 3, initialDelay: .milliseconds(5), jitter: .zero,
                                                                    retryStatuses: [429, 500, 503])))
            .application(configuration: serverConfiguration)
    }

    static func onchainInput(_ task: UInt8, _ model: String, _ text: String) throws -> String {
        Hex.encode(try ABI.encode([.uint(task), .string(model), .string(text)], as: HFInput.onchainTypes), prefix: false)
    }

    @Test("text generation: prompt and generation parameters sent, generated_text returned")
    func textGeneration() async throws {
        try await FakeUpstream.run({ _, _ in .json(200, [["generated_text": "Once upon a time, there"]]) }) { base, recorder in
            let data: JSONValue = ["task_id": 1, "model": "gpt2", "prompt": "Once upon a time,", "max_new_tokens": 5, "temperature": 0.9]
            let answer = try await call(Self.service(base), requestBody(data: data))
            #expect(answer.json == ["output": "Once upon a time, there"])
            let received = try #require(await recorder.last)
            #expect(received.path == "/models/gpt2")
            #expect(received.authorization == "Bearer \(Self.token)")
            #expect(received.body == ["inputs": "Once upon a time,", "parameters": ["max_new_tokens": 5, "temperature": 0.9]])
        }
    }

    @Test("text classification: off-chain list; on-chain (string[] labels, uint256[] scores x 1e6)")
    func textClassification() async throws {
        let upstream: JSONValue = [[["label": "POSITIVE", "score": 0.9998], ["label": "NEGATIVE", "score": 0.0002]]]
        try await FakeUpstream.run({ _, _ in .json(200, upstream) }) { base, recorder in
            let offchain = try await call(Self.service(base), requestBody(data: ["task_id": 2, "text": "I love this"]))
            #expect(offchain.json == ["output": [["label": "POSITIVE", "score": 0.9998], ["label": "NEGATIVE", "score": 0.0002]]])
            #expect(await recorder.last?.path == "/models/distilbert-base-uncased-finetuned-sst-2-english")
            let input = try Self.onchainInput(2, "", "I love this")
            let onchain = try await call(Self.service(base), requestBody(source: 0, destination: 0, data: .string(input)))
            #expect(onchain.json["raw_input"]?.stringValue == input)
            let decoded = try ABI.decode([.array(.string), .array(.uint256)], from: bytes(hex: onchain.json["raw_output"]?.stringValue))
            #expect(decoded == [.array([.string("POSITIVE"), .string("NEGATIVE")]), .array([.uint(BigUInt(999_800)), .uint(BigUInt(200))])])
        }
    }

    @Test("token classification: aggregation_strategy simple; on-chain entity groups and scores")
    func tokenClassification() async throws {
        let upstream: JSONValue = [["entity_group": "PER", "score": 0.998, "word": "Sarah", "start": 11, "end": 16],
                                   ["entity_group": "LOC", "score": 0.9995, "word": "London", "start": 31, "end": 37]]
        try await FakeUpstream.run({ _, _ in .json(200, upstream) }) { base, recorder in
            let input = try Self.onchainInput(3, "dslim/bert-base-NER", "My name is Sarah and I live in London")
            let answer = try await call(Self.service(base), requestBody(source: 0, destination: 0, data: .string(input)))
            let decoded = try ABI.decode([.array(.string), .array(.uint256)], from: bytes(hex: answer.json["raw_output"]?.stringValue))
            #expect(decoded == [.array([.string("PER"), .string("LOC")]), .array([.uint(BigUInt(998_000)), .uint(BigUInt(999_500))])])
            let received = try #require(await recorder.last)
            #expect(received.path == "/models/dslim/bert-base-NER")
            #expect(received.body?["parameters"] == ["aggregation_strategy": "simple"])
            let offchain = try await call(Self.service(base), requestBody(data: ["task_id": 3, "text": "x"]))
            #expect(offchain.json["output"] == upstream)
        }
    }

    @Test("summarization: parameters passed, summary_text returned, configured default model")
    func summarization() async throws {
        try await FakeUpstream.run({ _, _ in .json(200, [["summary_text": "Short."]]) }) { base, recorder in
            let data: JSONValue = ["task_id": 4, "text": "A very long text.", "parameters": ["max_length": 20]]
            let answer = try await call(Self.service(base), requestBody(data: data))
            #expect(answer.json == ["output": "Short."])
            #expect(await recorder.last?.path == "/models/my/summarizer")
            #expect(await recorder.last?.body == ["inputs": "A very long text.", "parameters": ["max_length": 20]])
            let onchain = try await call(Self.service(base), requestBody(source: 0, destination: 0,
                                                                         data: .string(try Self.onchainInput(4, "", "long"))))
            #expect(try ABI.decode([.string], from: bytes(hex: onchain.json["raw_output"]?.stringValue)) == [.string("Short.")])
        }
    }

    @Test("503 model loading is retried until the model answers")
    func modelLoading() async throws {
        try await FakeUpstream.run({ _, hit in
            hit == 1 ? .json(503, ["error": "Model gpt2 is currently loading", "estimated_time": 20.0])
                     : .json(200, [["generated_text": "loaded"]])
        }) { base, recorder in
            let answer = try await call(Self.service(base), requestBody(data: ["task_id": 1, "prompt": "x"]))
            #expect(answer.json == ["output": "loaded"])
            #expect(await recorder.count == 2)
        }
    }

    @Test("bad input: 400s naming the field; missing token: 503 naming HF_INF_TOKEN")
    func badInput() async throws {
        let service = Self.service("http://127.0.0.1:1")
        let cases: [(JSONValue, String)] = [
            (["text": "x"], "data.task_id"),
            (["task_id": 9, "text": "x"], "data.task_id"),
            (["task_id": 1, "text": "x"], "data.prompt"),
            (["task_id": 2, "prompt": "x"], "data.text"),
            (["task_id": 4, "text": "x", "parameters": 3], "data.parameters"),
        ]
        for (data, field) in cases {
            let description = try await call(service, requestBody(data: data)).expectError(400)
            #expect(description.contains(field), "\(description)")
        }
        #expect(try await call(service, requestBody(source: 0, destination: 0, data: .string(try Self.onchainInput(7, "", "x"))))
            .expectError(400).contains("'data'"))
        #expect(try await call(service, requestBody(destination: 2, data: ["task_id": 1, "prompt": "x"])).expectError(400).contains("destination"))
        let noToken = try await call(Self.service("http://127.0.0.1:1", token: nil), requestBody(data: ["task_id": 1, "prompt": "x"]))
        #expect(noToken.expectError(503).contains("HF_INF_TOKEN"))
    }

    @Test("configuration from the environment")
    func environment() {
        let configuration = HFConfiguration.fromEnvironment(["HF_INF_BASE_URL": "http://hf:1/", "HF_INF_TOKEN": "t",
                                                             "HF_DEFAULT_MODEL_TEXT_GENERATION": "tiny/gpt"])
        #expect(configuration.baseURL == "http://hf:1")
        #expect(configuration.token == "t")
        #expect(configuration.defaultModels[.textGeneration] == "tiny/gpt")
        #expect(HFConfiguration.fromEnvironment([:]).baseURL == "https://api-inference.huggingface.co")
    }
}

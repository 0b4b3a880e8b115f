import EVM
import Foundation
import InfernetCore
import ServiceClients
import ServiceKit
import TGIService
import Testing

@Suite("TGI client against a fake text-generation-inference server")
struct TGITests {
    static func service(_ base: String, bearer: String? = "tgi-token") -> TGIService {
        TGIService(configuration: TGIConfiguration(url: base + "/", parameters: JSONObject([(key: "max_new_tokens", value: 20), (key: "temperature", value: 0.7)]),
                                                   bearerToken: bearer, retry: RetryPolicy(maxAttempts: 3, initialDelay: .milliseconds(5),
                                                                                           jitter: .zero, retryStatuses: [429, 503])))
    }

    @Test("off-chain {text} -> {output}; parameters and bearer reach /generate")
    func generate() async throws {
        try await FakeUpstream.run({ _, _ in .json(200, ["generated_text": " a dog."]) }) { base, recorder in
            let answer = try await call(Self.service(base).application(configuration: serverConfiguration),
                                        requestBody(data: ["text": "What is a puppy?"]))
            #expect(answer.json == ["output": " a dog."])
            let received = try #require(await recorder.last)
            #expect(received.path == "/generate")
            #expect(received.authorization == "Bearer tgi-token")
            #expect(received.body == ["inputs": "What is a puppy?", "parameters": ["max_new_tokens": 20, "temperature": 0.7]])
        }
    }

    @Test("on-chain: abi.encode(string) in and out")
    func onchain() async throws {
        let input = try ABI.encode([.string("hello")], as: [.string])
        try await FakeUpstream.run({ _, _ in .json(200, ["generated_text": "world"]) }) { base, recorder in
            let answer = try await call(Self.service(base).application(configuration: serverConfiguration),
                                        requestBody(source: 0, destination: 0, data: .string(Hex.encode(input, prefix: false))))
            #expect(answer.json["raw_input"]?.stringValue == Hex.encode(input, prefix: false))
            #expect(try ABI.decode([.string], from: bytes(hex: answer.json["raw_output"]?.stringValue)) == [.string("world")])
            #expect(await recorder.last?.body?["inputs"] == "hello")
        }
    }

    @Test("streaming: /generate_stream tokens relayed in several chunks, special tokens skipped")
    func streaming() async throws {
        func token(_ id: Int, _ text: String, special: Bool = false, final: String? = nil) -> String {
            let value: JSONValue = ["token": ["id": .number(JSONNumber(id)), "text": .string(text), "logprob": -0.5, "special": .bool(special)],
                                    "generated_text": final.map { .string($0) } ?? .null, "details": nil]
            return "data:\(value.jsonText)\n\n"
        }
        let events = [token(1, "Deep"), token(2, " learning"), token(3, " rocks"), token(4, "</s>", special: true, final: "Deep learning rocks")]
        try await FakeUpstream.run({ _, _ in .events(events) }) { base, recorder in
            let answer = try await call(Self.service(base).application(configuration: serverConfiguration),
                                        requestBody(destination: 2, data: ["text": "What is"]))
            #expect(answer.status == 200)
            #expect(answer.text == "Deep learning rocks")
            #expect(answer.chunks.count >= 2)
            #expect(await recorder.last?.path == "/generate_stream")
        }
    }

    @Test("a mid-stream error event ends the stream early")
    func streamError() async throws {
        let events = ["data:{\"token\":{\"id\":1,\"text\":\"Hi\",\"logprob\":0,\"special\":false},\"generated_text\":null,\"details\":null}\n\n",
                      "data:{\"error\":\"Request failed during generation: out of memory\",\"error_type\":\"generation\"}\n\n",
                      "data:{\"token\":{\"id\":2,\"text\":\" never\",\"logprob\":0,\"special\":false},\"generated_text\":null,\"details\":null}\n\n"]
        try await FakeUpstream.run({ _, _ in .events(events) }) { base, _ in
            let answer = try? await call(Self.service(base).application(configuration: serverConfiguration),
                                         requestBody(destination: 2, data: ["text": "x"]))
            #expect(answer?.text.contains("never") != true)
        }
    }

    @Test("overloaded (429, then 503 with error_type overloaded) is retried")
    func overloaded() async throws {
        try await FakeUpstream.run({ _, hit in
            switch hit {
            case 1: .json(429, ["error": "Model is overloaded", "error_type": "overloaded"])
            case 2: .json(503, ["error": "Model is overloaded", "error_type": "overloaded"])
            default: .json(200, ["generated_text": "ok"])
            }
        }) { base, recorder in
            let answer = try await call(Self.service(base).application(configuration: serverConfiguration), requestBody(data: ["text": "x"]))
            #expect(answer.json == ["output": "ok"])
            #expect(await recorder.count == 3)
        }
    }

    @Test("validation errors (422) are not retried and carry TGI's message")
    func validationError() async throws {
        try await FakeUpstream.run({ _, _ in .json(422, ["error": "Input validation error: `inputs` must have less than 1024 tokens", "error_type": "validation"]) }) { base, recorder in
            let answer = try await call(Self.service(base).application(configuration: serverConfiguration), requestBody(data: ["text": "x"]))
            #expect(answer.expectError(502).contains("Input validation error"))
            #expect(await recorder.count == 1)
        }
    }

    @Test("bad input: 400 naming data.text")
    func badInput() async throws {
        let application = Self.service("http://127.0.0.1:1").application(configuration: serverConfiguration)
        #expect(try await call(application, requestBody(data: ["prompt": "x"])).expectError(400).contains("data.text"))
        #expect(try await call(application, requestBody(data: ["text": 5])).expectError(400).contains("data.text"))
        #expect(try await call(application, requestBody(source: 0, destination: 0, data: "zz")).expectError(400).contains("'data'"))
    }

    @Test("start-up check reads /info; an unreachable server is a clear error")
    func serverCheck() async throws {
        try await FakeUpstream.run({ _, _ in .json(200, ["model_id": "bigscience/bloom-560m", "max_total_tokens": 2048]) }) { base, recorder in
            let model = try await Self.service(base).checkServer()
            #expect(model == "bigscience/bloom-560m")
            #expect(await recorder.last?.path == "/info")
        }
        await #expect(throws: ServiceError.self) { try await Self.service("http://127.0.0.1:1").checkServer(timeout: .milliseconds(300)) }
    }

    @Test("configuration from the environment")
    func environment() throws {
        let configuration = try TGIConfiguration.fromEnvironment(["TGI_URL": "http://tgi:80/", "TGI_PARAMS": #"{"top_k":5}"#,
                                                                  "TGI_BEARER": "b", "TGI_RETRY_TRIES": "4"])
        #expect(configuration.url == "http://tgi:80")
        #expect(configuration.parameters == JSONObject([(key: "top_k", value: 5)]))
        #expect(configuration.bearerToken == "b")
        #expect(configuration.retry.maxAttempts == 4)
        #expect(throws: ServiceError.self) { try TGIConfiguration.fromEnvironment([:]) }
        #expect(throws: ServiceError.self) { try TGIConfiguration.fromEnvironment(["TGI_URL": "http://x", "TGI_PARAMS": "[1]"]) }
    }
}

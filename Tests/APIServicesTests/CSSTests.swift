import CSSService
import EVM
import Foundation
import InfernetCore
import ServiceClients
import ServiceKit
import Testing

@Suite("CSS service against a fake OpenAI-compatible server")
struct CSSTests {
    static let key = "sk-test-SECRET-123"

    static func service(_ base: String, keys: [CSSProvider: String] = [.openai: key, .perplexityai: key, .gooseai: key]) -> ServiceApplication {
        CSSService(configuration: CSSConfiguration(baseURLs: [.openai: base, .perplexityai: base, .gooseai: base],
                                                   apiKeys: keys, retry: fastRetry))
            .application(configuration: serverConfiguration)
    }

    static func chatCompletion(_ text: String) -> JSONValue {
        ["id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "gpt-4o",
         "choices": [["index": 0, "message": ["role": "assistant", "content": .string(text)], "finish_reason": "stop"]],
         "usage": ["prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7]]
    }

    static let completionData: JSONValue = [
        "provider": "OPENAI", "endpoint": "completions", "model": "gpt-4o",
        "params": ["messages": [["role": "user", "content": "hi"]]],
        "extra_args": ["temperature": 0.5],
    ]

    @Test("off-chain completion: body, key and extra_args reach OpenAI, the text comes back")
    func completion() async throws {
        try await FakeUpstream.run({ _, _ in .json(200, Self.chatCompletion("Hello there!")) }) { base, recorder in
            let answer = try await call(Self.service(base), requestBody(data: Self.completionData))
            #expect(answer.status == 200)
            #expect(answer.json == ["output": "Hello there!"])
            let received = try #require(await recorder.last)
            #expect(received.path == "/v1/chat/completions")
            #expect(received.authorization == "Bearer \(Self.key)")
            #expect(received.body?["model"] == "gpt-4o")
            #expect(received.body?["messages"] == [["role": "user", "content": "hi"]])
            #expect(received.body?["temperature"] == 0.5)
            #expect(received.body?["stream"] == nil)
        }
    }

    @Test("embeddings: data[0].embedding is the output")
    func embeddings() async throws {
        let upstream: JSONValue = ["object": "list", "data": [["object": "embedding", "index": 0, "embedding": [0.25, -0.5, 1.0]]],
                                   "model": "text-embedding-3-small"]
        try await FakeUpstream.run({ _, _ in .json(200, upstream) }) { base, recorder in
            let data: JSONValue = ["provider": "OPENAI", "endpoint": "embeddings", "model": "text-embedding-3-small",
                                   "params": ["input": "embed me"]]
            let answer = try await call(Self.service(base), requestBody(data: data))
            #expect(answer.json == ["output": [0.25, -0.5, 1.0]])
            #expect(await recorder.last?.path == "/v1/embeddings")
            #expect(await recorder.last?.body?["input"] == "embed me")
        }
    }

    @Test("on-chain: ABI input in, five-key output with raw_output = abi.encode(string)")
    func onchain() async throws {
        let input = try ABI.encode([.uint(UInt8(0)), .uint(UInt8(0)), .string("gpt-4o"),
                                    .array([.tuple([.string("system"), .string("be brief")]), .tuple([.string("user"), .string("hi")])])],
                                   as: CSSInput.onchainTypes)
        try await FakeUpstream.run({ _, _ in .json(200, Self.chatCompletion("on chain!")) }) { base, recorder in
            let answer = try await call(Self.service(base), requestBody(source: 0, destination: 0, data: .string(Hex.encode(input, prefix: false))))
            #expect(answer.status == 200)
            #expect(answer.json.objectValue?.keys == ["raw_input", "processed_input", "raw_output", "processed_output", "proof"])
            #expect(answer.json["raw_input"]?.stringValue == Hex.encode(input, prefix: false))
            let decoded = try ABI.decode([.string], from: bytes(hex: answer.json["raw_output"]?.stringValue))
            #expect(decoded == [.string("on chain!")])
            #expect(await recorder.last?.body?["messages"] == [["role": "system", "content": "be brief"], ["role": "user", "content": "hi"]])
        }
    }

    @Test("on-chain embeddings and bad ABI are refused with 400")
    func onchainRefusals() async throws {
        let embeddings = try ABI.encode([.uint(UInt8(0)), .uint(UInt8(1)), .string("m"), .array([.tuple([.string("user"), .string("x")])])],
                                        as: CSSInput.onchainTypes)
        let service = Self.service("http://127.0.0.1:1")
        let first = try await call(service, requestBody(source: 0, destination: 0, data: .string(Hex.encode(embeddings, prefix: false))))
        #expect(first.expectError(400).contains("embeddings"))
        let second = try await call(service, requestBody(source: 0, destination: 0, data: "00ff"))
        #expect(second.expectError(400).contains("'data'"))
    }

    @Test("streaming: SSE delta chunks are relayed as several chunks, [DONE] ends")
    func streaming() async throws {
        func chunk(_ delta: JSONValue) -> String {
            let value: JSONValue = ["id": "c1", "object": "chat.completion.chunk", "choices": [["index": 0, "delta": delta, "finish_reason": nil]]]
            return "data: \(value.jsonText)\n\n"
        }
        let events = [chunk(["role": "assistant", "content": ""]), chunk(["content": "Once "]), chunk(["content": "upon "]),
                      chunk(["content": "a time"]), chunk([:]), "data: [DONE]\n\n"]
        try await FakeUpstream.run({ _, _ in .events(events) }) { base, recorder in
            let answer = try await call(Self.service(base), requestBody(destination: 2, data: Self.completionData))
            #expect(answer.status == 200)
            #expect(answer.text == "Once upon a time")
            #expect(answer.chunks.count >= 2)
            #expect(await recorder.last?.body?["stream"] == true)
        }
    }

    @Test("streaming retries a 429 before the first byte; GooseAI streams choices[0].text")
    func streamingRetry() async throws {
        let events = ["data: {\"choices\":[{\"text\":\"honk \",\"index\":0}]}\n\n",
                      "data: {\"choices\":[{\"text\":\"honk\",\"index\":0}]}\n\n", "data: [DONE]\n\n"]
        try await FakeUpstream.run({ _, hit in
            hit == 1 ? .json(429, ["error": ["message": "slow down"]]) : .events(events)
        }) { base, recorder in
            let data: JSONValue = ["provider": "GOOSEAI", "endpoint": "completions", "model": "gpt-neo-20b",
                                   "params": ["messages": [["role": "user", "content": "goose?"]]], "stream": true]
            let answer = try await call(Self.service(base), requestBody(destination: 2, data: data))
            #expect(answer.text == "honk honk")
            #expect(await recorder.count == 2)
            #expect(await recorder.last?.body?["stream"] == true)
        }
    }

    @Test("delegated subscription (off-chain data, on-chain destination): five-key output")
    func delegated() async throws {
        try await FakeUpstream.run({ _, _ in .json(200, Self.chatCompletion("delegated")) }) { base, _ in
            let answer = try await call(Self.service(base), requestBody(source: 1, destination: 0, data: Self.completionData))
            #expect(try ABI.decode([.string], from: bytes(hex: answer.json["raw_output"]?.stringValue)) == [.string("delegated")])
            #expect(answer.json["proof"] == .null)
        }
    }

    @Test("429 twice, then success: three upstream hits")
    func retriesThenSucceeds() async throws {
        try await FakeUpstream.run({ _, hit in
            hit < 3 ? .json(429, ["error": ["message": "Rate limit reached", "type": "requests", "code": "rate_limit_exceeded"]])
                    : .json(200, Self.chatCompletion("finally"))
        }) { base, recorder in
            let answer = try await call(Self.service(base), requestBody(data: Self.completionData))
            #expect(answer.json == ["output": "finally"])
            #expect(await recorder.count == 3)
        }
    }

    @Test("500 every time: gives up after 3 tries with a 502 carrying the upstream message")
    func retriesExhausted() async throws {
        try await FakeUpstream.run({ _, _ in .json(500, ["error": ["message": "The server had an error", "type": "server_error"]]) }) { base, recorder in
            let answer = try await call(Self.service(base), requestBody(data: Self.completionData))
            let description = answer.expectError(502)
            #expect(description.contains("The server had an error"))
            #expect(description.contains("3 tries"))
            #expect(await recorder.count == 3)
        }
    }

    @Test("400 from upstream is not retried; a key echoed in the error is redacted")
    func noRetryAndRedaction() async throws {
        try await FakeUpstream.run({ _, _ in .json(401, ["error": ["message": .string("Incorrect API key provided: \(Self.key)"), "type": "invalid_request_error"]]) }) { base, recorder in
            let answer = try await call(Self.service(base), requestBody(data: Self.completionData))
            let description = answer.expectError(502)
            #expect(!description.contains(Self.key))
            #expect(description.contains("***"))
            #expect(await recorder.count == 1)
        }
    }

    @Test("streaming error before the first chunk is a JSON error")
    func streamingError() async throws {
        try await FakeUpstream.run({ _, _ in .json(404, ["error": ["message": "The model does not exist"]]) }) { base, _ in
            let answer = try await call(Self.service(base), requestBody(destination: 2, data: Self.completionData))
            #expect(answer.expectError(502).contains("The model does not exist"))
        }
    }

    @Test("GooseAI: engines path, prompt, choices[0].text; Perplexity: /chat/completions")
    func otherProviders() async throws {
        try await FakeUpstream.run({ received, _ in
            received.path.hasPrefix("/v1/engines/")
                ? .json(200, ["id": "g1", "object": "text_completion", "choices": [["text": "goose says", "index": 0, "finish_reason": "length"]]])
                : .json(200, Self.chatCompletion("perplexed"))
        }) { base, recorder in
            let goose: JSONValue = ["provider": "GOOSEAI", "endpoint": "completions", "model": "gpt-j-6b",
                                    "params": ["messages": [["role": "user", "content": "honk"]]]]
            #expect(try await call(Self.service(base), requestBody(data: goose)).json == ["output": "goose says"])
            let goosed = try #require(await recorder.last)
            #expect(goosed.path == "/v1/engines/gpt-j-6b/completions")
            #expect(goosed.body?["prompt"] == "honk")
            let perplexity: JSONValue = ["provider": "PERPLEXITYAI", "endpoint": "completions", "model": "sonar",
                                         "params": ["messages": [["role": "user", "content": "why"]]]]
            #expect(try await call(Self.service(base), requestBody(data: perplexity)).json == ["output": "perplexed"])
            #expect(await recorder.last?.path == "/chat/completions")
        }
    }

    @Test("bad input: 400s naming the field")
    func badInput() async throws {
        let service = Self.service("http://127.0.0.1:1")
        let cases: [(JSONValue, String)] = [
            (["endpoint": "completions", "model": "m", "params": ["messages": []]], "data.provider"),
            (["provider": "ACME", "endpoint": "completions", "model": "m", "params": [:]], "data.provider"),
            (["provider": "OPENAI", "endpoint": "chat", "model": "m", "params": [:]], "data.endpoint"),
            (["provider": "OPENAI", "endpoint": "completions", "model": "m", "params": ["messages": [["content": "x"]]]], "data.params.messages[0].role"),
            (["provider": "OPENAI", "endpoint": "embeddings", "model": "m", "params": ["input": 3]], "data.params.input"),
            (["provider": "GOOSEAI", "endpoint": "embeddings", "model": "m", "params": ["input": "x"]], "data.endpoint"),
            ("not an object", "'data'"),
        ]
        for (data, field) in cases {
            let description = try await call(service, requestBody(data: data)).expectError(400)
            #expect(description.contains(field), "\(description)")
        }
    }

    @Test("missing API key: a clear 503 naming the variable, nothing sent upstream")
    func missingKey() async throws {
        try await FakeUpstream.run({ _, _ in .json(200, Self.chatCompletion("x")) }) { base, recorder in
            let answer = try await call(Self.service(base, keys: [:]), requestBody(data: Self.completionData))
            #expect(answer.expectError(503).contains("OPENAI_API_KEY"))
            #expect(await recorder.count == 0)
        }
    }

    @Test("configuration from the environment")
    func environment() {
        let configuration = CSSConfiguration.fromEnvironment(["OPENAI_BASE_URL": "http://x:1/", "GOOSEAI_API_KEY": "g",
                                                              "CSS_RETRY_TRIES": "5", "CSS_RETRY_DELAY_MS": "10"])
        #expect(configuration.baseURLs[.openai] == "http://x:1")
        #expect(configuration.baseURLs[.perplexityai] == "https://api.perplexity.ai")
        #expect(configuration.apiKeys[.gooseai] == "g")
        #expect(configuration.apiKeys[.openai] == nil)
        #expect(configuration.retry.maxAttempts == 5)
        #expect(configuration.retry.initialDelay == .milliseconds(10))
    }
}

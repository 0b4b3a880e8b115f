import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdTesting
import InfernetCore
import NIOCore
import ServiceKit
import Testing

/// Streams are read with AsyncHTTPClient so each chunk's arrival time is visible.
@Suite("streaming (destination STREAM)")
struct StreamingTests {
    struct Chunk { let text: String; let at: ContinuousClock.Instant }

    static func stream(port: Int, body: String) async throws -> (status: Int, contentType: String?, chunks: [Chunk]) {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/service_output")
        request.method = .POST
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        var chunks: [Chunk] = []
        for try await buffer in response.body {
            chunks.append(Chunk(text: String(buffer: buffer), at: .now))
        }
        return (Int(response.status.code), response.headers.first(name: "content-type"), chunks)
    }

    @Test("hello-world streams its text in several chunks that arrive over time")
    func helloWorldChunks() async throws {
        let app = HelloWorldService.application(configuration: testConfiguration, chunkDelay: .milliseconds(60)).buildApplication()
        let body = #"{"source":1,"destination":2,"data":{"prompt":"tell me a story"}}"#
        let expected = "hello, world!, your input was: " + (try pythonRepr(ofJSON: body))
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let result = try await Self.stream(port: port, body: body)
            #expect(result.status == 200)
            #expect(result.contentType?.hasPrefix("text/plain") == true)
            #expect(result.chunks.map(\.text).joined() == expected)
            #expect(result.chunks.count >= 3, "chunks: \(result.chunks.map(\.text))")
            if let first = result.chunks.first, let last = result.chunks.last {
                // 11 words, 60 ms apart: the first chunk arrives well before the end.
                #expect(first.at.duration(to: last.at) > .milliseconds(300))
            }
        }
    }

    @Test("a stream that fails before its first chunk is a JSON error")
    func failsBeforeFirstChunk() async throws {
        let service = ServiceApplication(info: ServiceInfo(id: "s"), configuration: testConfiguration) { _ in
            .stream { _ in throw ServiceError.upstream("upstream refused") }
        }
        try await service.buildApplication().test(.live) { client in
            let response = try await client.serviceOutput(#"{"source":1,"destination":2,"data":"x"}"#)
            let description = try response.expectError(.badGateway)
            #expect(description == "upstream refused")
        }
    }

    @Test("a stream that fails midway is cut short (the client sees an error)")
    func failsMidway() async throws {
        let service = ServiceApplication(info: ServiceInfo(id: "s"), configuration: testConfiguration) { _ in
            .stream { continuation in
                continuation.yield("partial ")
                try await Task.sleep(for: .milliseconds(20))
                throw Boom()
            }
        }
        try await service.buildApplication().test(.live) { client in
            let port = try #require(client.port)
            await #expect(throws: (any Error).self) {
                _ = try await Self.stream(port: port, body: #"{"source":1,"destination":2,"data":"x"}"#)
            }
            // The service is still fine.
            let next = try await client.serviceOutput(#"{"source":1,"destination":2,"data":"x"}"#)
            #expect(next.status == .internalServerError)
        }
    }

    @Test("echo streams data's JSON text")
    func echoStream() async throws {
        let app = EchoService.application(configuration: testConfiguration, chunkDelay: .zero).buildApplication()
        try await app.test(.live) { client in
            let response = try await client.serviceOutput(#"{"source":1,"destination":2,"data":{"a": [1, 2], "b": "c d"}}"#)
            #expect(response.status == .ok)
            #expect(response.text == #"{"a":[1,2],"b":"c d"}"#)
        }
    }
}

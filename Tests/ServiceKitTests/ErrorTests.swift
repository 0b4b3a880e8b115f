import Foundation
import Hummingbird
import HummingbirdTesting
import InfernetCore
import ServiceKit
import Testing

struct Boom: Error, CustomStringConvertible { var description: String { "boom" } }

@Suite("errors are JSON {code, name, description}")
struct ErrorTests {
    let app = HelloWorldService.application(configuration: testConfiguration).buildApplication()

    @Test("malformed JSON is a 400", arguments: [
        "", "{", "{\"source\":1,", "nul", "[1,2", "{\"a\" 1}", "\u{7}", "{\"source\":1}}", "\"\\ud800\"", "01",
    ])
    func malformed(body: String) async throws {
        try await app.test(.live) { client in
            let description = try await client.serviceOutput(body).expectError(.badRequest)
            #expect(description.hasPrefix("malformed JSON body"))
        }
    }

    @Test("invalid requests name the field", arguments: [
        (#"[]"#, "JSON object"),
        (#"{"destination":1,"data":{}}"#, "'source'"),
        (#"{"source":1,"data":{}}"#, "'destination'"),
        (#"{"source":1,"destination":1}"#, "'data'"),
        (#"{"source":7,"destination":1,"data":{}}"#, "'source'"),
        (#"{"source":"1","destination":1,"data":{}}"#, "'source'"),
        (#"{"source":1,"destination":1.5,"data":{}}"#, "'destination'"),
        (#"{"source":1,"destination":1,"data":{},"requires_proof":"yes"}"#, "'requires_proof'"),
    ])
    func invalid(body: String, field: String) async throws {
        try await app.test(.live) { client in
            let description = try await client.serviceOutput(body).expectError(.badRequest)
            #expect(description.contains(field), "\(description)")
        }
    }

    @Test("a failing handler is a 500; a ServiceError keeps its status")
    func handlerFailures() async throws {
        let service = ServiceApplication(info: ServiceInfo(id: "failing"), configuration: testConfiguration) { request in
            switch request.data.stringValue {
            case "bad": throw ServiceError.invalidField("data.prompt", "too long")
            case "upstream": throw ServiceError.upstream("openai answered 503")
            default: throw Boom()
            }
        }
        try await service.buildApplication().test(.live) { client in
            let crash = try await client.serviceOutput(#"{"source":1,"destination":1,"data":"x"}"#).expectError(.internalServerError)
            #expect(crash.contains("boom"))
            let bad = try await client.serviceOutput(#"{"source":1,"destination":1,"data":"bad"}"#).expectError(.badRequest)
            #expect(bad.contains("data.prompt"))
            try await client.serviceOutput(#"{"source":1,"destination":1,"data":"upstream"}"#).expectError(.badGateway)
        }
    }

    @Test("unknown routes, wrong methods and huge bodies are JSON errors too")
    func httpErrors() async throws {
        let small = ServiceConfiguration(host: "127.0.0.1", port: 0, maxBodySize: 64)
        let app = HelloWorldService.application(configuration: small).buildApplication()
        try await app.test(.live) { client in
            let missing = try await client.execute(uri: "/nope", method: .get)
            #expect(missing.status.code >= 400 && missing.status.code < 500)
            #expect(try missing.json().objectValue?.keys == ["code", "name", "description"])
            let wrongMethod = try await client.execute(uri: "/service_output", method: .get)
            #expect(try wrongMethod.json()["code"]?.numberValue?.intValue == wrongMethod.status.code)
            let big = String(repeating: "x", count: 1000)
            try await client.serviceOutput(#"{"source":1,"destination":1,"data":"\#(big)"}"#).expectError(.contentTooLarge)
        }
    }

    @Test("a configured bearer token is required")
    func bearer() async throws {
        let config = ServiceConfiguration(host: "127.0.0.1", port: 0, bearerToken: "s3cret")
        let app = HelloWorldService.application(configuration: config).buildApplication()
        let body = #"{"source":1,"destination":1,"data":1}"#
        try await app.test(.live) { client in
            try await client.serviceOutput(body).expectError(.unauthorized)
            try await client.serviceOutput(body, headers: [.authorization: "Bearer wrong"]).expectError(.unauthorized)
            let ok = try await client.serviceOutput(body, headers: [.authorization: "Bearer s3cret"])
            #expect(ok.status == .ok)
        }
    }

    @Test("garbage never crashes the service")
    func fuzz() async throws {
        let valid = Array(#"{"source":1,"destination":1,"data":{"k":["é",1.5e3,null,true]},"requires_proof":false}"#.utf8)
        var generator = SystemRandomNumberGenerator()
        try await app.test(.live) { client in
            for round in 0..<300 {
                var bytes = valid
                switch round % 3 {
                case 0: bytes = Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &generator)))
                case 1:
                    for _ in 0..<3 { bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator) }
                default: bytes = (0..<Int.random(in: 1..<64, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
                }
                let response = try await client.execute(uri: "/service_output", method: .post, body: ByteBuffer(bytes: bytes))
                #expect(response.status == .ok || response.status == .badRequest, "round \(round): \(response.text)")
            }
            let deep = String(repeating: "[", count: 100_000)
            try await client.serviceOutput(#"{"source":1,"destination":1,"data":\#(deep)}"#).expectError(.badRequest)
            let after = try await client.serviceOutput(#"{"source":1,"destination":1,"data":1}"#)
            #expect(after.status == .ok)
        }
    }
}

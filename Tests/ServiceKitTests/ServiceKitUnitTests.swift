import AsyncHTTPClient
import Foundation
import InfernetCore
import ServiceKit
import Testing

@Suite("ServiceKit building blocks")
struct ServiceKitUnitTests {
    @Test("ServiceRequest keeps the whole body and defaults requires_proof to false")
    func request() throws {
        let request = try ServiceRequest(parsing: Array(#"{"data":{"b":1,"a":2},"destination":2,"source":0,"x":null}"#.utf8))
        #expect(request.source == .onchain)
        #expect(request.destination == .stream)
        #expect(request.isStreaming)
        #expect(request.requiresProof == false)
        #expect(request.data.objectValue?.keys == ["b", "a"])
        #expect(request.body.objectValue?.keys == ["data", "destination", "source", "x"])
        let built = ServiceRequest(source: .offchain, destination: .offchain, data: "hi")
        #expect(built.body.jsonText == #"{"source":1,"destination":1,"data":"hi","requires_proof":false}"#)
    }

    struct Prompt: Decodable { struct Message: Decodable { var role: String; var content: String }; var messages: [Message] }

    @Test("decodeData names the failing field path")
    func decodeData() throws {
        let request = ServiceRequest(source: .offchain, destination: .offchain,
                                     data: ["messages": [["role": "user", "content": "hi"], ["role": "user"]]])
        do {
            _ = try request.decodeData(as: Prompt.self)
            Issue.record("expected a failure")
        } catch {
            #expect(error.status == .badRequest)
            #expect(error.message.contains("data.messages[1].content"), "\(error.message)")
        }
        let good = ServiceRequest(source: .offchain, destination: .offchain, data: ["messages": [["role": "user", "content": "hi"]]])
        #expect(try good.decodeData(as: Prompt.self).messages.first?.content == "hi")
    }

    @Test("input(onchain:offchain:) picks the decoder by source")
    func inputHooks() throws {
        let onchain = ServiceRequest(source: .onchain, destination: .onchain, data: "0x0102")
        #expect(try onchain.input(onchain: { $0.count }, offchain: { _ in -1 }) == 2)
        let offchain = ServiceRequest(source: .offchain, destination: .onchain, data: ["n": 5])
        #expect(try offchain.input(onchain: { _ in -1 }, offchain: { $0["n"]?.numberValue?.intValue ?? 0 }) == 5)
        #expect(throws: ServiceError.self) {
            try offchain.input(onchain: { _ in 0 }, offchain: { _ in throw Boom() })
        }
    }

    @Test("on-chain input: hex with or without 0x; anything else is a 400 about data")
    func onchainBytes() throws {
        func request(_ data: JSONValue) -> ServiceRequest { ServiceRequest(source: .onchain, destination: .onchain, data: data) }
        #expect(try request("0x00abFF").onchainBytes() == [0x00, 0xAB, 0xFF])
        #expect(try request("00abff").onchainBytes() == [0x00, 0xAB, 0xFF])
        #expect(try request("").onchainBytes() == [])
        #expect(throws: ServiceError.self) { try request("abc").onchainBytes() }
        #expect(throws: ServiceError.self) { try request("zz").onchainBytes() }
        #expect(throws: ServiceError.self) { try request(1).onchainBytes() }
    }

    @Test("OnchainServiceOutput renders empty fields as null")
    func onchainOutput() {
        let output = OnchainServiceOutput(rawInput: [1], rawOutput: [2, 3])
        #expect(output.json.jsonText == #"{"raw_input":"01","processed_input":null,"raw_output":"0203","processed_output":null,"proof":null}"#)
    }

    @Test("word chunks concatenate back to the text")
    func chunking() {
        #expect(TextChunking.words("hello, world!  x") == ["hello, ", "world! ", " ", "x"])
        #expect(TextChunking.words("").isEmpty)
        let text = "a b  c 'd' é"
        #expect(TextChunking.words(text).joined() == text)
    }

    @Test("port: --port, else env PORT, else 3000; host default 127.0.0.1")
    func options() throws {
        let none = try ServiceOptions.parse([])
        #expect(try none.configuration(environment: [:]).port == 3000)
        #expect(try none.configuration(environment: [:]).host == "127.0.0.1")
        #expect(try none.configuration(environment: ["PORT": "3101", "HOST": "0.0.0.0"]).port == 3101)
        #expect(try none.configuration(environment: ["PORT": "3101", "HOST": "0.0.0.0"]).host == "0.0.0.0")
        let flags = try ServiceOptions.parse(["--port", "4100", "--host", "0.0.0.0"])
        #expect(try flags.configuration(environment: ["PORT": "3101"]).port == 4100)
        #expect(throws: (any Error).self) { try none.configuration(environment: ["PORT": "http"]) }
        #expect(try none.configuration(environment: ["SERVICE_BEARER": "t"]).bearerToken == "t")
    }

    @Test("withRunningServer serves on a free port and stops afterwards")
    func withRunningServer() async throws {
        let service = HelloWorldService.application(configuration: testConfiguration)
        let port = try await service.withRunningServer { port in
            #expect(port > 0)
            let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/"), timeout: .seconds(10))
            #expect(response.status == .ok)
            #expect(String(buffer: try await response.body.collect(upTo: 1 << 16)).contains("hello"))
            return port
        }
        #expect(port > 0)
    }
}

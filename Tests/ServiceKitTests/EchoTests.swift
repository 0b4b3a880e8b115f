import EVM
import Foundation
import Hummingbird
import HummingbirdTesting
import InfernetCore
import ServiceKit
import Testing

@Suite("echo mode: the five-key on-chain shape")
struct EchoTests {
    @Test("on-chain input bytes come back as raw_input and raw_output")
    func onchain() async throws {
        let app = EchoService.application(configuration: testConfiguration).buildApplication()
        try await app.test(.live) { client in
            let response = try await client.serviceOutput(#"{"source":0,"destination":0,"data":"00ff10AB","requires_proof":false}"#)
            #expect(response.status == .ok)
            #expect(response.text == #"{"raw_input":"00ff10ab","processed_input":null,"raw_output":"00ff10ab","processed_output":null,"proof":null}"#)
            let notHex = try await client.serviceOutput(#"{"source":0,"destination":0,"data":"xyz"}"#).expectError(.badRequest)
            #expect(notHex.contains("'data'"))
            let notString = try await client.serviceOutput(#"{"source":0,"destination":0,"data":{"a":1}}"#).expectError(.badRequest)
            #expect(notString.contains("'data'"))
        }
    }

    @Test("off-chain input is the UTF-8 of data's JSON text")
    func offchain() async throws {
        let app = EchoService.application(configuration: testConfiguration).buildApplication()
        try await app.test(.live) { client in
            let response = try await client.serviceOutput(#"{"source":1,"destination":0,"data":{"x":1}}"#)
            let json = try response.json()
            #expect(json["raw_input"]?.stringValue == Hex.encode(Array(#"{"x":1}"#.utf8), prefix: false))
            #expect(json["raw_output"] == json["raw_input"])
        }
    }

    @Test("with proofs enabled, requires_proof=true is accepted and a proof is returned")
    func proofs() async throws {
        let app = EchoService.application(configuration: testConfiguration, canProve: true).buildApplication()
        try await app.test(.live) { client in
            let response = try await client.serviceOutput(#"{"source":0,"destination":0,"data":"beef","requires_proof":true}"#)
            #expect(response.status == .ok)
            #expect(try response.json()["proof"] == "beef")
        }
    }
}

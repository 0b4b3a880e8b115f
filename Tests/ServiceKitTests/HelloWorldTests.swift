import Foundation
import Hummingbird
import HummingbirdTesting
import InfernetCore
import ServiceKit
import Testing

@Suite("hello-world over HTTP")
struct HelloWorldTests {
    let app = HelloWorldService.application(configuration: testConfiguration).buildApplication()

    @Test("output is byte for byte Python's repr of the whole request (fixed expectation)")
    func fixedExpectation() async throws {
        let body = #"{"source":1,"destination":1,"data":{"prompt":"it's \"quoted\"","n":[1,2.50,-0.0,1e16,1.5e-5,12345678901234567890123],"ok":true,"none":null,"é":"日本\u0000\t"},"requires_proof":false}"#
        let expected = #"hello, world!, your input was: {'source': 1, 'destination': 1, 'data': {'prompt': 'it\'s "quoted"', 'n': [1, 2.5, -0.0, 1e+16, 1.5e-05, 12345678901234567890123], 'ok': True, 'none': None, 'é': '日本\x00\t'}, 'requires_proof': False}"#
        try await app.test(.live) { client in
            let response = try await client.serviceOutput(body)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/json")
            let json = try response.json()
            #expect(json.objectValue?.keys == ["output"])
            #expect(json["output"]?.stringValue == expected)
        }
    }

    static let oracleBodies: [String] = [
        #"{"source":1,"destination":1,"data":{"a":{"b":{"c":[{"d":[]},{}]}}},"requires_proof":false}"#,
        #"{"source":1,"destination":1,"data":"unicode: é ü ß 日本語 🎉 \u200b \u00a0 \u2028 \ud83d\ude00 \u007f \u0085","requires_proof":false}"#,
        #"{"source":1,"destination":1,"data":["single ' quote", "double \" quote", "both ' and \"", "back\\slash", "nl\nand\rtab\t"],"requires_proof":false}"#,
        #"{"source":1,"destination":1,"data":[0.1, 1.0, 100.0, 1e22, 1E-7, 3.141592653589793, 2.5e-10, 123456789.125, 1e16, 9999999999999998.0, -1.5e300, 5e-324, 0.0001, 0.00001],"requires_proof":false}"#,
        #"{"source":1,"destination":1,"data":[0, -0, 7, -42, 18446744073709551616, -340282366920938463463374607431768211457, 000],"requires_proof":false}"#,
        #"{"source":1,"destination":1,"data":{"t":true,"f":false,"n":null,"nested":[true,[false,[null]]]},"requires_proof":false}"#,
        #"{"requires_proof":false,"data":{"z":1,"a":2,"m":3},"destination":1,"source":1,"extra":"kept"}"#,
        #"{"source":1,"destination":1,"data":{"dup":1,"other":2,"dup":3},"requires_proof":false}"#,
        #"{"source":0,"destination":0,"data":"deadbeef00","requires_proof":false}"#,
        #"{"source": 1, "destination": 1, "data": {"\u0001ctl": "\u001f\u0080\u00ff\u0100\uffff"}}"#,
    ]

    @Test("output matches python3's repr(json.loads(body))", arguments: oracleBodies)
    func pythonOracle(body: String) async throws {
        let expected = "hello, world!, your input was: " + (try pythonRepr(ofJSON: body))
        try await app.test(.live) { client in
            let response = try await client.serviceOutput(body)
            #expect(response.status == .ok, "body: \(response.text)")
            #expect(try response.json()["output"]?.stringValue == expected)
        }
    }

    @Test("GET / answers a short message")
    func root() async throws {
        try await app.test(.live) { client in
            let response = try await client.execute(uri: "/", method: .get)
            #expect(response.status == .ok)
            #expect(response.text.contains("hello-world"))
        }
    }

    @Test("requires_proof=true is refused: hello-world cannot prove")
    func proofRefused() async throws {
        try await app.test(.live) { client in
            let response = try await client.serviceOutput(#"{"source":1,"destination":1,"data":{},"requires_proof":true}"#)
            let description = try response.expectError(.badRequest)
            #expect(description.contains("requires_proof"))
        }
    }
}

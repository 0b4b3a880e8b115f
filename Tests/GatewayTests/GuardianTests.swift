import Foundation
import Gateway
import InfernetCore
import TestSupport
import XCTest

final class GuardianTests: XCTestCase {
    static let delegatedBody = """
        {"subscription":{"owner":"0x0000000000000000000000000000000000000001","active_at":0,"period":0,"frequency":1,
         "redundancy":1,"containers":"0x0000000000000000000000000000000000000000000000000000000000000000","lazy":false,"verifier":"0x0000000000000000000000000000000000000000",
         "payment_amount":0,"payment_token":"0x0000000000000000000000000000000000000000",
         "wallet":"0x0000000000000000000000000000000000000000"},
         "signature":{"nonce":0,"expiry":4000000000,"v":27,"r":1,"s":2},"data":{}}
        """

    func testEveryRefusalOverHTTP() async throws {
        let node = try await TestNode()
        do {
            let cases: [(String, Int, String, JSONValue?)] = [
                (#"{"containers":[],"data":{}}"#, 400, "No containers specified", nil),
                (#"{"containers":["echo","nope"],"data":{}}"#, 404, "Container not supported", ["container": "nope"]),
                (#"{"containers":["internal"],"data":{}}"#, 403, "First container must be external", ["container": "internal"]),
                (#"{"containers":["echo"],"data":{},"requires_proof":true}"#, 400, "Container does not generate proof", ["container": "echo"]),
                (#"{"containers":["restricted"],"data":{}}"#, 403, "Container not allowed for address",
                 ["container": "restricted", "address": "127.0.0.1"]),
                (GuardianTests.delegatedBody, 400, "Chain not enabled", [:]),
            ]
            for (body, status, message, params) in cases {
                let answer = try await node.request(.POST, "/api/jobs", body: body)
                XCTAssertEqual(answer.status, status, message)
                XCTAssertEqual(answer.json?["error"]?.stringValue, message)
                if let params { XCTAssertEqual(answer.json?["params"], params, message) }
                XCTAssertTrue(answer.headers.contains { $0.0.lowercased() == "content-type" && $0.1 == "application/json" })
            }
            // The refusals hold for streams too.
            let stream = try await node.request(.POST, "/api/jobs/stream", body: #"{"containers":["nope"],"data":{}}"#)
            XCTAssertEqual(stream.status, 404)
            // Allowed: a proof from a container that generates proofs; a chain whose later hop is internal.
            _ = try await node.submit(#"{"containers":["proofer"],"data":{},"requires_proof":true}"#)
            _ = try await node.submit(#"{"containers":["echo","internal"],"data":{}}"#)
            // The restricted container accepts its allowed address.
            let allowed = try RawHTTP.request(from: "127.0.0.2", port: node.port, method: "POST", path: "/api/jobs",
                                              body: #"{"containers":["restricted"],"data":{}}"#)
            XCTAssertEqual(allowed.status, 200, allowed.body)
            XCTAssertNotNil(try JSONValue(parsing: allowed.body)["id"]?.stringValue)
        } catch {
            await node.shutdown()
            throw error
        }
        await node.shutdown()
    }

    func testGuardianRulesDirectly() throws {
        let config = try TestNode.makeConfig(directory: URL(fileURLWithPath: "/tmp"))
        let guardian = Guardian(config: config)
        XCTAssertNoThrow(try guardian.check(JobRequest(containers: ["restricted"], data: [:]), client: "127.0.0.2"))
        XCTAssertNoThrow(try guardian.check(JobRequest(containers: ["restricted"], data: [:]), client: "::ffff:127.0.0.2"))
        XCTAssertThrowsError(try guardian.check(JobRequest(containers: ["restricted"], data: [:]), client: "10.1.2.3")) { error in
            XCTAssertEqual((error as? APIError)?.status, .forbidden)
        }
        XCTAssertThrowsError(try guardian.check(JobRequest(containers: ["echo", "proofer", "echo"], data: [:], requiresProof: true), client: "1.2.3.4"))
        XCTAssertNoThrow(try guardian.check(JobRequest(containers: ["echo", "proofer"], data: [:], requiresProof: true), client: "1.2.3.4"))
    }
}

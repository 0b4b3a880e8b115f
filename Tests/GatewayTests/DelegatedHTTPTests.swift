import EVM
import Foundation
import Gateway
import Hummingbird
import HummingbirdTesting
import BusContract
import InfernetCore
import XCTest

/// `POST /api/jobs` and `/api/jobs/batch` with delegated subscriptions, through the whole
/// gateway with a fake chain and a recording chain-worker seam.
final class DelegatedHTTPTests: XCTestCase {
    func withGateway(handler: any DelegatedSubscriptionHandler,
                     _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let directory = try TestNode.tempDirectory()
        let config = try Delegation.config(directory: directory)
        let store = try JobStore(path: JobStore.path(dataDirectory: directory.path))
        let reader = FakeChainReader(signer: try Delegation.key(1).address)
        let gateway = Gateway(config: config, store: store, bus: UnusedBus(),
                              signatures: EIP712SignatureVerifier(reader: reader), delegated: handler,
                              logger: TestNode.logger())
        try await Application(router: gateway.makeRouter(), services: [store]).test(.live, body)
    }

    static func post(_ client: any TestClientProtocol, _ path: String, _ body: String) async throws -> (status: Int, json: JSONValue?) {
        let response = try await client.execute(uri: path, method: .post, headers: [.contentType: "application/json"],
                                                body: ByteBuffer(string: body))
        return (Int(response.status.code), try? JSONValue(parsing: String(buffer: response.body)))
    }

    func testGoodSignatureIsHandedOnThenAnswered() async throws {
        let handler = RecordingHandler()
        let request = try Delegation.request(Delegation.subscription(containers: ["second", "echo"]), nonce: 3,
                                             signedBy: Delegation.key(1))
        try await withGateway(handler: handler) { client in
            let answer = try await Self.post(client, "/api/jobs", Delegation.body(request))
            XCTAssertEqual(answer.status, 200)
            XCTAssertEqual(answer.json, .object(JSONObject()))
        }
        let messages = handler.messages
        XCTAssertEqual(messages, [DelegatedSubscriptionMessage(request, containers: ["second", "echo"])])
    }

    func testBadSignatureIsRefusedAndNotHandedOn() async throws {
        let handler = RecordingHandler()
        let wrong = try Delegation.key(2)
        let request = try Delegation.request(Delegation.subscription(), signedBy: wrong)
        try await withGateway(handler: handler) { client in
            let answer = try await Self.post(client, "/api/jobs", Delegation.body(request))
            XCTAssertEqual(answer.status, 403)
            XCTAssertEqual(answer.json?["error"], "Invalid signature")
            XCTAssertEqual(answer.json?["params"]?["recovered"], .string(wrong.address.checksummed))
            XCTAssertEqual(answer.json?["params"]?["expected"], .string(try Delegation.key(1).address.checksummed))
        }
        XCTAssertTrue(handler.messages.isEmpty)
    }

    func testBatchAnswersEachDelegatedItem() async throws {
        let handler = RecordingHandler()
        let good = try Delegation.request(Delegation.subscription(), nonce: 1, signedBy: Delegation.key(1))
        let expired = try Delegation.request(Delegation.subscription(), nonce: 2, expiry: 10, signedBy: Delegation.key(1))
        let unserved = try Delegation.request(Delegation.subscription(containers: ["nope"]), nonce: 3, signedBy: Delegation.key(1))
        let body = "[" + [good, expired, unserved].map(Delegation.body).joined(separator: ",") + "]"
        try await withGateway(handler: handler) { client in
            let answer = try await Self.post(client, "/api/jobs/batch", body)
            XCTAssertEqual(answer.status, 200)
            let items = answer.json?.arrayValue ?? []
            XCTAssertEqual(items.count, 3)
            XCTAssertEqual(items.first, .object(JSONObject()))
            XCTAssertEqual(items.dropFirst().first?["error"], "Signature expired")
            XCTAssertEqual(items.dropFirst().first?["params"]?["expiry"], 10)
            XCTAssertEqual(items.last?["error"], "Container-set not supported")
        }
        XCTAssertEqual(handler.messages.map(\.nonce), [1])
    }

    func testChainWorkerFailureIs503() async throws {
        let request = try Delegation.request(Delegation.subscription(), signedBy: Delegation.key(1))
        try await withGateway(handler: UnavailableDelegatedSubscriptions()) { client in
            let answer = try await Self.post(client, "/api/jobs", Delegation.body(request))
            XCTAssertEqual(answer.status, 503)
            XCTAssertEqual(answer.json?["error"], "Delegated subscriptions are not available on this node")
        }
    }

    func testInfoShowsTheNodeAddress() async throws {
        try await withGateway(handler: RecordingHandler()) { client in
            let response = try await client.execute(uri: "/info", method: .get)
            let info = try JSONValue(parsing: String(buffer: response.body))
            // The address of private key 0x…01.
            XCTAssertEqual(info["chain"], ["enabled": true, "address": "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf"])
        }
        let disabled = try Delegation.config(chainEnabled: false, directory: URL(fileURLWithPath: "/tmp"))
        XCTAssertEqual(Gateway.nodeAddress(config: disabled), "")
    }
}

import BusContract
import EVM
import InfernetSDK
import Foundation
import Gateway
import InfernetCore
import XCTest

/// The Coordinator's signature rules, checked against a fake chain whose consumer signer is key 1.
final class DelegatedSignatureTests: XCTestCase {
    func verifier(_ configure: (inout FakeChainReader) -> Void = { _ in }) throws -> EIP712SignatureVerifier {
        var reader = FakeChainReader(signer: try Delegation.key(1).address)
        configure(&reader)
        return EIP712SignatureVerifier(reader: reader)
    }

    func refusal(_ request: DelegatedSubscriptionRequest, _ verifier: EIP712SignatureVerifier) async -> DelegatedSignatureError? {
        do {
            try await verifier.verify(request)
            return nil
        } catch {
            return error
        }
    }

    func testSignerKeyIsAccepted() async throws {
        let request = try Delegation.request(Delegation.subscription(), signedBy: Delegation.key(1))
        let error = await refusal(request, try verifier())
        XCTAssertNil(error)
    }

    func testWrongKeyIsRefusedWithBothAddresses() async throws {
        let wrong = try Delegation.key(2)
        let request = try Delegation.request(Delegation.subscription(), signedBy: wrong)
        let error = await refusal(request, try verifier())
        let expected = try Delegation.key(1).address
        XCTAssertEqual(error, .signerMismatch(recovered: wrong.address, expected: expected))
        XCTAssertEqual(error?.apiError, APIError(.forbidden, "Invalid signature", params: object([
            "recovered": .string(wrong.address.checksummed), "expected": .string(expected.checksummed)])))
    }

    func testTamperedFieldsOrDomainAreRefused() async throws {
        let verifier = try verifier()
        // Signed for one amount, sent with another.
        var tampered = try Delegation.request(Delegation.subscription(), signedBy: Delegation.key(1))
        tampered.subscription.paymentAmount = 1
        guard case .signerMismatch = await refusal(tampered, verifier) else { return XCTFail("tampered amount accepted") }
        // Signed for another chain or another coordinator.
        let otherChain = try Delegation.request(Delegation.subscription(), signedBy: Delegation.key(1), chainID: 1)
        guard case .signerMismatch = await refusal(otherChain, verifier) else { return XCTFail("other chain accepted") }
        let otherCoordinator = try Delegation.request(Delegation.subscription(), signedBy: Delegation.key(1), coordinator: .zero)
        guard case .signerMismatch = await refusal(otherCoordinator, verifier) else { return XCTFail("other coordinator accepted") }
    }

    func testExpiredSignatureIsRefused() async throws {
        let verifier = try verifier()
        for expiry in [UInt32(Delegation.now), UInt32(Delegation.now - 1)] {
            let request = try Delegation.request(Delegation.subscription(), expiry: expiry, signedBy: Delegation.key(1))
            let error = await refusal(request, verifier)
            XCTAssertEqual(error, .expired(expiry: expiry, blockTimestamp: Delegation.now))
            XCTAssertEqual(error?.apiError.status, .badRequest)
            XCTAssertEqual(error?.apiError.message, "Signature expired")
        }
    }

    func testCreatedSubscriptionNeedsNoSignatureCheck() async throws {
        // Wrong key and expired: refused until the Coordinator has created (owner, nonce 5).
        let request = try Delegation.request(Delegation.subscription(), nonce: 5, expiry: 1, signedBy: Delegation.key(3))
        let fresh = await refusal(request, try verifier())
        XCTAssertNotNil(fresh)
        let created = await refusal(request, try verifier { $0.createdIDs = [5: 42] })
        XCTAssertNil(created)
    }

    func testUnreachableChainIs503AndBadOwnerIs400() async throws {
        let request = try Delegation.request(Delegation.subscription(), signedBy: Delegation.key(1))
        let down = await refusal(request, try verifier { $0.failure = .unreachable("connection refused") })
        XCTAssertEqual(down, .chainUnavailable("connection refused"))
        XCTAssertEqual(down?.apiError.status, .serviceUnavailable)
        let signerDown = await refusal(request, try verifier { $0.signerFailure = .unreachable("timeout") })
        XCTAssertEqual(signerDown?.apiError.status, .serviceUnavailable)
        let notConsumer = await refusal(request, try verifier { $0.signerFailure = .rejected("execution reverted") })
        XCTAssertEqual(notConsumer, .noSigner(owner: Delegation.consumer, reason: "execution reverted"))
        XCTAssertEqual(notConsumer?.apiError.status, .badRequest)
    }

    func testBusMessageCarriesTheRequest() throws {
        let request = try Delegation.request(Delegation.subscription(paymentAmount: BigUInt(123_456_789_012) * 1_000_000_000_000),
                                             nonce: 9, signedBy: Delegation.key(1))
        let message = DelegatedSubscriptionMessage(request, containers: ["echo"])
        XCTAssertEqual(message.containers, ["echo"])
        XCTAssertEqual(message.nonce, 9)
        XCTAssertEqual(message.data, #"{"prompt":"hi"}"#)
        XCTAssertEqual(message.subscription, request.subscription)
        XCTAssertEqual(message.subscription.paymentAmount, BigUInt(123_456_789_012) * 1_000_000_000_000)
        XCTAssertEqual(message.subscription.containerID, ContainerSet.hash(["echo"]))
        XCTAssertEqual(message.r, request.signature.signature.r)
        XCTAssertEqual(message.v, request.signature.signature.v)
        // On the wire: the owner checksummed, the amount in decimal, bytes as 0x hex.
        let wire = BusBody.encode(message)
        XCTAssertTrue(wire.contains(#""owner":"\#(Delegation.consumer.checksummed)""#), wire)
        XCTAssertTrue(wire.contains(#""paymentAmount":"123456789012000000000000""#), wire)
        XCTAssertTrue(wire.contains(#""r":"\#(Hex.encode(request.signature.signature.r))""#), wire)
        XCTAssertEqual(try BusBody.decode(DelegatedSubscriptionMessage.self, from: wire), message)
    }
}

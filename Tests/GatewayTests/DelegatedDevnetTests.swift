import EVM
import InfernetSDK
import Foundation
import Gateway
import InfernetCore
import TestSupport
import XCTest

/// The real verifier against the project's devnet: the DelegatorConsumer's signer is the
/// address of private key 0x…01; the coordinator comes from the Registry.
final class DelegatedDevnetTests: DevnetTestCase {
    func testRealVerifierAcceptsTheSignerAndRefusesAnotherKey() async throws {
        let devnet = try devnet()
        let consumer = try XCTUnwrap(devnet.addresses["delegatorConsumer"])
        let registry = try XCTUnwrap(devnet.addresses["registry"])
        let rpc = JSONRPCClient(urls: [devnet.rpcURL])
        let reader = RPCDelegationChainReader(client: rpc, registry: registry)
        let domain = try await reader.domain()
        XCTAssertEqual(domain.coordinator, devnet.addresses["coordinator"])
        let chainID = try await rpc.chainID()
        XCTAssertEqual(domain.chainID, chainID)

        let now = try await reader.latestBlockTimestamp()
        let sub = Subscription(owner: consumer, activeAt: UInt32(now), period: 0, frequency: 1, redundancy: 1,
                               containerID: ContainerSet.hash(["hello-world"]), lazy: false)
        let verifier = EIP712SignatureVerifier(reader: reader)
        let good = try Delegation.request(sub, nonce: 11, expiry: UInt32(now + 3600), signedBy: Delegation.key(1),
                                          chainID: domain.chainID, coordinator: domain.coordinator)
        try await verifier.verify(good)

        let other = try Delegation.key(2)
        let bad = try Delegation.request(sub, nonce: 11, expiry: UInt32(now + 3600), signedBy: other,
                                         chainID: domain.chainID, coordinator: domain.coordinator)
        do {
            try await verifier.verify(bad)
            XCTFail("a signature by another key was accepted")
        } catch {
            XCTAssertEqual(error, .signerMismatch(recovered: other.address, expected: try Delegation.key(1).address))
        }
    }
}

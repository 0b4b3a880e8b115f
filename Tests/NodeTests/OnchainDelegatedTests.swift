@testable import ChainWorker
import EVM
import InfernetSDK
import Foundation
import InfernetCore
import TestSupport
import XCTest

/// Delegated subscriptions through the real node: signed off-chain by the DelegatorConsumer's
/// signer (devnet key 1), posted to `/api/jobs`, checked by the gateway, created and delivered
/// on chain by `deliverComputeDelegatee`.
final class OnchainDelegatedTests: DevnetTestCase {

    private func scenario() throws -> OnchainScenario { OnchainScenario(devnet: try devnet()) }

    private func now(_ scenario: OnchainScenario) async throws -> UInt32 {
        let block = try await scenario.chain().client.rpc.block(.latest)
        return UInt32(try XCTUnwrap(block).timestamp)
    }

    /// The JSON body of a delegated subscription request signed by `signerKey`.
    private func body(_ scenario: OnchainScenario, subscription: Subscription, nonce: UInt32, expiry: UInt32,
                      signerKey: Int = 1, data: String = #"{"prompt": "hi"}"#) async throws -> String {
        let (client, addresses, _) = try scenario.chain()
        let signature = try DelegateSubscription.sign(
            nonce: nonce, expiry: expiry, subscription: subscription, chainID: try await client.rpc.chainID(),
            coordinator: try XCTUnwrap(addresses["coordinator"]), key: try DevnetClient.key(signerKey))
        let s = subscription
        return """
        {"subscription": {"owner": "\(s.owner.hex)", "active_at": \(s.activeAt), "period": \(s.period),
          "frequency": \(s.frequency), "redundancy": \(s.redundancy), "containers": "\(s.containerID.hexString)",
          "lazy": \(s.lazy), "verifier": "\(s.verifier.hex)", "payment_amount": \(s.paymentAmount),
          "payment_token": "\(s.paymentToken.hex)", "wallet": "\(s.wallet.hex)"},
         "signature": {"nonce": \(nonce), "expiry": \(expiry), "v": \(signature.v), "r": \(BigUInt(signature.r)),
          "s": \(BigUInt(signature.s))},
         "data": \(data)}
        """
    }

    private func subscription(_ scenario: OnchainScenario, container: String, activeAt: UInt32, period: UInt32 = 0,
                              frequency: UInt32 = 1, amount: BigUInt = 0, wallet: Address = .zero) throws -> Subscription {
        Subscription(owner: try XCTUnwrap(try scenario.chain().addresses["delegatorConsumer"]), activeAt: activeAt,
                     period: period, frequency: frequency, redundancy: 1, containerID: ContainerSet.hash([container]),
                     lazy: false, paymentAmount: amount, wallet: wallet)
    }

    /// The id the Coordinator created for `(owner, nonce)`, once it exists.
    private func createdID(_ scenario: OnchainScenario, nonce: UInt32, node: NodeHarness, timeout: Duration = .seconds(60),
                           mining: Bool = false) async throws -> UInt32 {
        let (client, addresses, _) = try scenario.chain()
        let coordinator = CoordinatorContract(address: try XCTUnwrap(addresses["coordinator"]), caller: client.rpc)
        let owner = try XCTUnwrap(addresses["delegatorConsumer"])
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let id = try await coordinator.delegateCreatedID(owner: owner, nonce: nonce)
            if id != 0 { return id }
            if mining { try await client.mine() }
            try await Task.sleep(for: .milliseconds(500))
        }
        print(node.log.suffix(5000))
        XCTFail("delegated subscription (nonce \(nonce)) never created")
        throw CancellationError()
    }

    func testDelegatedSubscriptionIsCreatedAndDelivered() async throws {
        let scenario = try scenario()
        let node = try scenario.makeNode(container: "hello-delegated", keyIndex: 4)
        try await node.start()
        defer { node.stop() }
        let now = try await now(scenario)
        let sub = try subscription(scenario, container: "hello-delegated", activeAt: now)
        let reply = try await node.post("/api/jobs", try await body(scenario, subscription: sub, nonce: 1, expiry: now + 3600))
        XCTAssertEqual(reply.status, 200, reply.body)
        XCTAssertEqual(reply.body.filter { !$0.isWhitespace }, "{}")

        let id = try await createdID(scenario, nonce: 1, node: node)
        let consumer = try XCTUnwrap(try scenario.chain().addresses["delegatorConsumer"])
        let delivered = try await scenario.waitForDelivery(consumer, id: id, node: node)
        XCTAssertEqual(delivered.node, try DevnetClient.key(4).address)
        let text = try ABI.decode(.string, from: delivered.output).stringValue()
        XCTAssertTrue(text.contains("{'source': 1, 'destination': 0, 'data': {'prompt': 'hi'}"), text)
    }

    func testBadSignatureIsRefusedAndNothingIsSent() async throws {
        let scenario = try scenario()
        let node = try scenario.makeNode(container: "hello-badsig", keyIndex: 5)
        try await node.start()
        defer { node.stop() }
        let now = try await now(scenario)
        let sub = try subscription(scenario, container: "hello-badsig", activeAt: now)
        let reply = try await node.post("/api/jobs", try await body(scenario, subscription: sub, nonce: 2, expiry: now + 3600,
                                                                     signerKey: 2))
        XCTAssertEqual(reply.status, 403, reply.body)
        XCTAssertTrue(reply.body.contains("signature"), reply.body)
        try await Task.sleep(for: .seconds(2))
        let sent = try await scenario.chain().client.rpc.transactionCount(try DevnetClient.key(5).address)
        XCTAssertEqual(sent, 0)
    }

    func testFutureActiveAtWaitsThenRecursAsANormalSubscription() async throws {
        let scenario = try scenario()
        let node = try scenario.makeNode(container: "hello-later", keyIndex: 6)
        try await node.start()
        defer { node.stop() }
        let now = try await now(scenario)
        // Starts 4 s from now, then every 4 s, twice.
        let sub = try subscription(scenario, container: "hello-later", activeAt: now + 4, period: 4, frequency: 2)
        let reply = try await node.post("/api/jobs", try await body(scenario, subscription: sub, nonce: 3, expiry: now + 3600))
        XCTAssertEqual(reply.status, 200, reply.body)
        let early = try await scenario.chain().client.rpc.transactionCount(try DevnetClient.key(6).address)
        XCTAssertEqual(early, 0, "nothing is sent before activeAt")

        let id = try await createdID(scenario, nonce: 3, node: node, mining: true)
        let consumer = try XCTUnwrap(try scenario.chain().addresses["delegatorConsumer"])
        // The second interval comes through the normal path (getContainerInputs).
        _ = try await scenario.waitForDelivery(consumer, id: id, count: 2, node: node, mining: true)
    }

    func testDelegatedSubscriptionWithPayment() async throws {
        let scenario = try scenario()
        let consumer = try XCTUnwrap(try scenario.chain().addresses["delegatorConsumer"])
        let nodeWallet = try await scenario.createWallet(owner: try DevnetClient.key(7).address)
        let node = try scenario.makeNode(container: "hello-delegated-pay", keyIndex: 7,
                                         containerFields: #""accepted_payments": {"\#(Address.zero.hex)": 100}"#,
                                         chainExtra: #", "payment_address": "\#(nodeWallet.hex)""#)
        try await node.start()
        defer { node.stop() }
        let amount: BigUInt = 5_000_000
        let wallet = try await scenario.createWallet(owner: try DevnetClient.key(3).address)
        try await scenario.fund(wallet, amount: amount)
        try await scenario.approve(wallet, ownerKey: 3, spender: consumer, amount: amount)
        let now = try await now(scenario)
        let sub = try subscription(scenario, container: "hello-delegated-pay", activeAt: now, amount: amount, wallet: wallet)
        let reply = try await node.post("/api/jobs", try await body(scenario, subscription: sub, nonce: 4, expiry: now + 3600))
        XCTAssertEqual(reply.status, 200, reply.body)
        let id = try await createdID(scenario, nonce: 4, node: node)
        _ = try await scenario.waitForDelivery(consumer, id: id, node: node)
        let paid = try await scenario.balance(of: nodeWallet)
        XCTAssertEqual(paid, amount, "no protocol fee on this devnet: the node gets the whole payment")
    }
}

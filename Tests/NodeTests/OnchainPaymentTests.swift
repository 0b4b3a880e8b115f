@testable import ChainWorker
import EVM
import Foundation
import InfernetSDK
import InfernetCore
import PaymentWorker
import TestSupport
import XCTest

/// Paying subscriptions through the real node on a devnet whose protocol fee is 511 basis
/// points: ETH and ERC-20 payments split between the node's Wallet and the fee recipient; every
/// refused payment skipped with nothing sent; proofs checked by the atomic verifier, valid
/// (the node is paid) and invalid (the node's collateral is slashed).
final class OnchainPaymentTests: DevnetTestCase {
    static let fee: BigUInt = 511
    override class var devnetArguments: [String] { ["--fee", "\(fee)"] }

    private func scenario() throws -> OnchainScenario { OnchainScenario(devnet: try devnet()) }

    /// A node signing with `keyIndex`, paid into a fresh Wallet, whose container accepts
    /// `accepted` (token -> minimum).
    private func paidNode(_ scenario: OnchainScenario, container: String, keyIndex: Int, accepted: [Address: BigUInt],
                          extra: String = "") async throws -> (NodeHarness, wallet: Address) {
        let wallet = try await scenario.createWallet(owner: try DevnetClient.key(keyIndex).address)
        let payments = accepted.map { #""\#($0.key.hex)": \#($0.value)"# }.joined(separator: ", ")
        let node = try scenario.makeNode(container: container, keyIndex: keyIndex, extra: extra,
                                         containerFields: #""accepted_payments": {\#(payments)}"#,
                                         chainExtra: #", "payment_address": "\#(wallet.hex)""#)
        return (node, wallet)
    }

    /// A consumer Wallet owned by key 3 holding `funds`, letting the CallbackConsumer spend `allowance`.
    private func consumerWallet(_ scenario: OnchainScenario, token: Address = .zero, funds: BigUInt,
                                allowance: BigUInt) async throws -> Address {
        let wallet = try await scenario.createWallet(owner: try DevnetClient.key(3).address)
        if funds > 0 { try await scenario.fund(wallet, amount: funds, token: token) }
        let consumer = try XCTUnwrap(try scenario.chain().addresses["callbackConsumer"])
        try await scenario.approve(wallet, ownerKey: 3, spender: consumer, token: token, amount: allowance)
        return wallet
    }

    private func protocolFee(_ amount: BigUInt) -> BigUInt { amount * 2 * Self.fee / 10_000 }

    private func ledger(of node: NodeHarness) throws -> PaymentLedger {
        try PaymentLedger(path: node.directory.appendingPathComponent("var/payments.sqlite").path)
    }

    func testETHPaymentIsSplitBetweenTheNodeAndTheProtocol() async throws {
        let scenario = try scenario()
        let (node, nodeWallet) = try await paidNode(scenario, container: "hello-eth", keyIndex: 4, accepted: [.zero: 1_000])
        try await node.start()
        defer { node.stop() }
        let amount: BigUInt = 1_000_000_000_000_000
        let wallet = try await consumerWallet(scenario, funds: amount * 3, allowance: amount)
        let recipient = try DevnetClient.key(1).address
        let recipientBefore = try await scenario.balance(of: recipient)

        let id = try await scenario.requestPaidCompute(container: "hello-eth", inputs: Data("pay".utf8), token: .zero,
                                                       amount: amount, wallet: wallet)
        _ = try await scenario.waitForDelivery(try XCTUnwrap(scenario.chain().addresses["callbackConsumer"]), id: id, node: node)

        let nodeBalance = try await scenario.balance(of: nodeWallet)
        XCTAssertEqual(nodeBalance, amount - protocolFee(amount))
        let recipientAfter = try await scenario.balance(of: recipient)
        XCTAssertEqual(recipientAfter - recipientBefore, protocolFee(amount))
        let consumerLeft = try await scenario.balance(of: wallet)
        XCTAssertEqual(consumerLeft, amount * 2)
        // The payment worker's ledger has the earning, from the delivery's receipt.
        let ledger = try ledger(of: node)
        var earned: BigUInt = 0
        for _ in 0..<50 where earned == 0 {
            earned = try await ledger.totalsByToken()[Address.zero.hex.lowercased()] ?? 0
            if earned == 0 { try await Task.sleep(for: .milliseconds(200)) }
        }
        XCTAssertEqual(earned, amount - protocolFee(amount))
        // Recorded once, from the receipt the chain worker stored first and then had acknowledged.
        let rows = try await ledger.earnings(subscriptionID: UInt32(id))
        XCTAssertEqual(Set(rows.map(\.transactionHash)).count, 1, "\(rows)")
        let store = try ChainStore(path: node.directory.appendingPathComponent("var/chain.sqlite").path)
        let waiting = try await store.unacknowledgedReceiptCount()
        XCTAssertEqual(waiting, 0)
    }

    func testERC20PaymentIsSplitBetweenTheNodeAndTheProtocol() async throws {
        let scenario = try scenario()
        let token = try XCTUnwrap(try scenario.chain().addresses["token"])
        let (node, nodeWallet) = try await paidNode(scenario, container: "hello-erc20", keyIndex: 5, accepted: [token: 10])
        try await node.start()
        defer { node.stop() }
        let amount: BigUInt = 40_000_000
        let wallet = try await consumerWallet(scenario, token: token, funds: amount, allowance: amount)
        let recipientBefore = try await scenario.balance(of: try DevnetClient.key(1).address, token: token)

        let id = try await scenario.requestPaidCompute(container: "hello-erc20", inputs: Data("erc".utf8), token: token,
                                                       amount: amount, wallet: wallet)
        _ = try await scenario.waitForDelivery(try XCTUnwrap(scenario.chain().addresses["callbackConsumer"]), id: id, node: node)

        let nodeBalance = try await scenario.balance(of: nodeWallet, token: token)
        XCTAssertEqual(nodeBalance, amount - protocolFee(amount))
        let recipientAfter = try await scenario.balance(of: try DevnetClient.key(1).address, token: token)
        XCTAssertEqual(recipientAfter - recipientBefore, protocolFee(amount))
    }

    func testRefusedPaymentsAreSkippedWithNothingSent() async throws {
        let scenario = try scenario()
        let token = try XCTUnwrap(try scenario.chain().addresses["token"])
        let (node, _) = try await paidNode(scenario, container: "hello-refuse", keyIndex: 6, accepted: [.zero: 1_000])
        try await node.start()
        defer { node.stop() }
        let amount: BigUInt = 1_000_000
        let lowAllowance = try await consumerWallet(scenario, funds: amount, allowance: amount - 1)
        let empty = try await consumerWallet(scenario, funds: 0, allowance: amount)
        let tokenWallet = try await consumerWallet(scenario, token: token, funds: amount, allowance: amount)
        let cases: [(String, Address, BigUInt, Address)] = [
            ("insufficient allowance", .zero, amount, lowAllowance),
            ("insufficient balance", .zero, amount, empty),
            ("does not accept payment token", token, amount, tokenWallet),
            ("below the minimum", .zero, 999, lowAllowance),
        ]
        for (reason, paymentToken, paid, wallet) in cases {
            let id = try await scenario.requestPaidCompute(container: "hello-refuse", inputs: Data("r".utf8),
                                                           token: paymentToken, amount: paid, wallet: wallet)
            let record = try await scenario.waitForRecord(node, id: id, timeout: 30) { $0.status == .skipped }
            XCTAssertTrue(record.error?.contains(reason) ?? false, "expected '\(reason)' in \(record.error ?? "nil")")
        }
        let sent = try await scenario.chain().client.rpc.transactionCount(try DevnetClient.key(6).address)
        XCTAssertEqual(sent, 0, "no transaction for a refused payment")
    }

    func testValidProofPaysTheNodeAndInvalidProofSlashesIt() async throws {
        let scenario = try scenario()
        let verifier = try XCTUnwrap(try scenario.chain().addresses["atomicVerifier"])
        let (node, nodeWallet) = try await paidNode(scenario, container: "echo-proof", keyIndex: 7, accepted: [.zero: 1],
                                                    extra: "--mode echo --proofs")
        let amount: BigUInt = 2_000_000
        try await scenario.fund(nodeWallet, amount: amount * 2)  // collateral for two proofs
        try await node.start()
        defer { node.stop() }
        let consumer = try XCTUnwrap(try scenario.chain().addresses["callbackConsumer"])

        // Valid (the echo proof is the input: first byte not 0x00): the node gets the escrow.
        let goodWallet = try await consumerWallet(scenario, funds: amount, allowance: amount)
        let good = try await scenario.requestPaidCompute(container: "echo-proof", inputs: Data([1, 2, 3]), token: .zero,
                                                         amount: amount, wallet: goodWallet, verifier: verifier)
        _ = try await scenario.waitForDelivery(consumer, id: good, node: node)
        let afterGood = try await scenario.balance(of: nodeWallet)
        XCTAssertEqual(afterGood, amount * 2 + amount - protocolFee(amount))

        // Invalid (first byte 0x00): the node's collateral goes to the consumer's wallet.
        let badWallet = try await consumerWallet(scenario, funds: amount, allowance: amount)
        let bad = try await scenario.requestPaidCompute(container: "echo-proof", inputs: Data([0, 9]), token: .zero,
                                                        amount: amount, wallet: badWallet, verifier: verifier)
        _ = try await scenario.waitForDelivery(consumer, id: bad, node: node)
        let afterBad = try await scenario.balance(of: nodeWallet)
        XCTAssertEqual(afterBad, afterGood - amount)
        let consumerAfter = try await scenario.balance(of: badWallet)
        XCTAssertEqual(consumerAfter, amount + amount - protocolFee(amount))
    }

    func testLazyProofsAreVerifiedAndPaidTheSameWay() async throws {
        let scenario = try scenario()
        let (client, addresses, _) = try scenario.chain()
        let verifier = try XCTUnwrap(addresses["atomicVerifier"])
        let consumer = try XCTUnwrap(addresses["subscriptionConsumer"])
        let (node, nodeWallet) = try await paidNode(scenario, container: "echo-lazy-proof", keyIndex: 8, accepted: [.zero: 1],
                                                    extra: "--mode echo --proofs")
        let amount: BigUInt = 3_000_000
        try await scenario.fund(nodeWallet, amount: amount)
        try await node.start()
        defer { node.stop() }
        let owner = try DevnetClient.key(3)
        let create = try ABIFunction("createComputeSubscription(string,uint32,uint32,uint16,bool,address,uint256,address,address)")
        var results: [BigUInt] = []
        for input in [Data([7, 7]), Data([0, 7])] {
            let wallet = try await scenario.createWallet(owner: owner.address)
            try await scenario.fund(wallet, amount: amount)
            try await scenario.approve(wallet, ownerKey: 3, spender: consumer, amount: amount)
            try await client.send(from: owner, to: consumer, try ABIFunction("setInputs(bytes)"), [.bytes(input)])
            let receipt = try await client.send(from: owner, to: consumer, create, [
                .string("echo-lazy-proof"), .uint(1), .uint(0), .uint(1), .bool(true), .address(.zero), .uint(amount),
                .address(wallet), .address(verifier),
            ])
            let id = try XCTUnwrap(DevnetClient.createdSubscriptionID(receipt))
            _ = try await scenario.waitForDelivery(consumer, id: id, node: node)
            results.append(try await scenario.balance(of: nodeWallet))
        }
        XCTAssertEqual(results[0], amount + amount - protocolFee(amount), "valid lazy proof: the node is paid")
        XCTAssertEqual(results[1], results[0] - amount, "invalid lazy proof: the node's collateral is slashed")
    }
}

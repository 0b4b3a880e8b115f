import BusContract
import EVM
import InfernetSDK
import Foundation
import InfernetCore
@testable import PaymentWorker
import XCTest

/// The bus contract of the payment worker, with a fake chain and a real ledger file.
final class PaymentHandlerTests: XCTestCase {
    let node = Fixture.address(0x0E)
    var chain = FakePaymentChain()
    var directory: URL!

    override func setUpWithError() throws {
        directory = try temporaryDirectory()
        chain = FakePaymentChain()
        chain.addWallet(Fixture.nodeWallet)
        chain.addWallet(Fixture.consumerWallet)
        chain.setBalance(Fixture.consumerWallet, token: Fixture.token, 100)
        chain.setAllowance(wallet: Fixture.consumerWallet, spender: Fixture.owner, token: Fixture.token, 100)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: directory)
    }

    private func handler() throws -> PaymentRequestHandler {
        let policy = PaymentPolicy(paymentAddress: Fixture.nodeWallet,
                                   containers: [Fixture.container("a", accepts: [Fixture.token: 10])])
        let ledger = try PaymentLedger(path: PaymentLedger.path(dataDirectory: directory.path))
        return PaymentRequestHandler(checker: PaymentChecker(policy: policy, chain: chain, nodeAddress: node),
                                     recorder: .success(DeliveryRecorder(chain: chain, ledger: ledger, nodeWallet: Fixture.nodeWallet)))
    }

    private func request(_ method: String, _ body: String) -> BusRequest {
        BusRequest(id: "r1", service: .payment, method: method, body: body)
    }

    private func decision(_ reply: BusReply) throws -> PaymentDecision {
        XCTAssertNil(reply.error)
        return try BusBody.decode(PaymentDecision.self, from: reply.body)
    }

    /// A Wallet `Transfer(spender, token, to, amount)` log.
    static func transferLog(from wallet: Address, spender: Address, token: Address, to: Address, amount: BigUInt,
                            index: UInt64) throws -> ReceiptLog {
        let event = InfernetABI.Wallet.transfer
        let data = try ABI.encode([.address(token), .uint(amount)], as: [.address, .uint256])
        return ReceiptLog(address: wallet, topics: [event.topic, try ABIEvent.topic(for: .address(spender), type: .address),
                                                   try ABIEvent.topic(for: .address(to), type: .address)],
                          data: data, logIndex: index)
    }

    func testCheckRepliesWithDecisions() async throws {
        let h = try handler()
        let accepted = try decision(await h.reply(to: request(Methods.payment.check.name, BusBody.encode(Fixture.request(amount: 10)))))
        XCTAssertEqual(accepted, PaymentDecision(accepted: true))
        let below = try decision(await h.reply(to: request(Methods.payment.check.name, BusBody.encode(Fixture.request(amount: 9)))))
        XCTAssertFalse(below.accepted)
        XCTAssertTrue(below.reason?.contains("bid 9 is below the minimum 10") ?? false, "\(below)")
        let reply = await h.reply(to: request(Methods.payment.check.name, BusBody.encode(Fixture.request(amount: 10))))
        XCTAssertEqual(reply.id, "r1")
    }

    func testChainDisabledRefusesChecks() async throws {
        let h = PaymentRequestHandler(checker: nil, recorder: nil)
        let reply = await h.reply(to: request(Methods.payment.check.name, BusBody.encode(Fixture.request())))
        XCTAssertEqual(try decision(reply), PaymentDecision(accepted: false, reason: "chain not enabled"))
        let record = await h.reply(to: request(Methods.payment.record.name, BusBody.encode(
            DeliveryReceipt(subscriptionID: 1, interval: 1, transactionHash: "0x" + String(repeating: "1", count: 64),
                            containers: ["a"], paymentToken: Fixture.token))))
        XCTAssertEqual(record.error, BusFailure(.unavailable, "chain not enabled: no deliveries to record"))
    }

    func testAppWiringForDisabledChain() async throws {
        var config = NodeConfig()
        config.node.dataDirectory = directory.appendingPathComponent("off").path
        let h = PaymentWorkerApp.handler(config: config, logger: .init(label: "test"))
        let reply = await h.reply(to: request(Methods.payment.check.name, BusBody.encode(Fixture.request())))
        XCTAssertEqual(try decision(reply).reason, "chain not enabled")
        XCTAssertFalse(FileManager.default.fileExists(atPath: config.node.dataDirectory), "no ledger without a chain")

        // Enabled without a registry (the config loader refuses that; a config built in code may
        // not): checks are refused saying so.
        config.chain.enabled = true
        config.chain.registryAddress = nil
        let misconfigured = PaymentWorkerApp.handler(config: config, logger: .init(label: "test"))
        let refused = try decision(await misconfigured.reply(to: request(Methods.payment.check.name, BusBody.encode(Fixture.request()))))
        XCTAssertEqual(refused.accepted, false)
        XCTAssertTrue(refused.reason?.hasPrefix("chain.registry_address is not set") ?? false, "\(refused)")
    }

    func testMalformedBodiesAndUnknownMethodsGetErrors() async throws {
        let h = try handler()
        let garbage = await h.reply(to: request(Methods.payment.check.name, "{not json"))
        XCTAssertEqual(garbage.error, BusFailure(.badRequest, "malformed payment.check body: expected a PaymentCheckRequest JSON object (not valid JSON)"))
        let missing = await h.reply(to: request(Methods.payment.check.name, #"{"subscriptionID": 1, "containers": []}"#))
        XCTAssertEqual(missing.error, BusFailure(.badRequest, "malformed payment.check body: expected a PaymentCheckRequest JSON object (missing field 'subscription')"))
        let wrongType = await h.reply(to: request(Methods.payment.record.name, #"{"subscriptionID": "x"}"#))
        XCTAssertEqual(wrongType.error, BusFailure(.badRequest, "malformed payment.record body: expected a DeliveryReceipt JSON object (field 'subscriptionID' has the wrong type)"))
        // Values are typed: a malformed address or amount is refused where the body is decoded.
        var body = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(BusBody.encode(Fixture.request(amount: 5)).utf8)) as? [String: Any])
        var subscription = try XCTUnwrap(body["subscription"] as? [String: Any])
        subscription["paymentToken"] = "0x12"
        body["subscription"] = subscription
        let badToken = await h.reply(to: request(Methods.payment.check.name,
                                                 String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self)))
        XCTAssertEqual(badToken.error?.code, .badRequest)
        XCTAssertTrue(badToken.error?.message.contains("field 'subscription.paymentToken' is invalid: '0x12' is not a 20-byte 0x hex address") ?? false,
                      "\(badToken)")
        let unknown = await h.reply(to: request("payment.refund", "{}"))
        XCTAssertEqual(unknown.error?.code, .unknownMethod)
        XCTAssertEqual(unknown.error?.message, "the payment service has no method 'payment.refund' (it serves payment.check, payment.earnings, payment.record)")
    }

    func testChainFailureIsAnErrorReply() async throws {
        let h = try handler()
        chain.failure = FakeRPCFailure()
        let reply = await h.reply(to: request(Methods.payment.check.name, BusBody.encode(Fixture.request(amount: 10))))
        XCTAssertEqual(reply.error, BusFailure(.unavailable, "payment check could not read the chain (ask again later): connection refused"))
    }

    func testRecordStoresTransfersToTheNodeWalletOnce() async throws {
        let h = try handler()
        let hash = Data(repeating: 0xAB, count: 32)
        let fake = Fixture.address(0x66)  // not a factory Wallet: its "Transfer" is ignored
        chain.setTransaction(hash, MinedTransaction(succeeded: true, blockNumber: 12, logs: [
            try Self.transferLog(from: Fixture.consumerWallet, spender: Fixture.owner, token: Fixture.token,
                                 to: Fixture.address(0xFE), amount: 3, index: 0),  // protocol fee: not ours
            try Self.transferLog(from: Fixture.consumerWallet, spender: Fixture.owner, token: Fixture.token,
                                 to: Fixture.nodeWallet, amount: 97, index: 1),
            try Self.transferLog(from: fake, spender: Fixture.owner, token: Fixture.token, to: Fixture.nodeWallet,
                                 amount: 1_000_000, index: 2),
        ]))
        let receipt = DeliveryReceipt(subscriptionID: 7, interval: 2, transactionHash: hash.hexString, containers: ["a", "b"],
                                      paymentToken: Fixture.token)
        let first = await h.reply(to: request(Methods.payment.record.name, BusBody.encode(receipt)))
        XCTAssertNil(first.error)
        XCTAssertEqual(try BusBody.decode(PaymentRecordResult.self, from: first.body), PaymentRecordResult(recorded: 1))
        let again = await h.reply(to: request(Methods.payment.record.name, BusBody.encode(receipt)))
        XCTAssertEqual(try BusBody.decode(PaymentRecordResult.self, from: again.body), PaymentRecordResult(recorded: 0))

        let ledger = try PaymentLedger(path: PaymentLedger.path(dataDirectory: directory.path))
        let rows = try await ledger.earnings()
        XCTAssertEqual(rows, [Earning(transactionHash: hash.hexString, logIndex: 1, subscriptionID: 7, interval: 2,
                                      token: Fixture.token.hex, containers: "a,b", amount: "97",
                                      payer: Fixture.consumerWallet.hex, blockNumber: 12)])
        let journal = try await ledger.journalMode()
        XCTAssertEqual(journal, "wal")

        let summary = await h.reply(to: request(Methods.payment.earnings.name, "{}"))
        let decoded = try BusBody.decode(EarningsSummary.self, from: summary.body)
        XCTAssertEqual(decoded.byToken, [Fixture.token.hex: "97"])
        XCTAssertEqual(decoded.bySubscription.first?.total, "97")
    }

    func testRecordErrors() async throws {
        let h = try handler()
        let pending = Data(repeating: 0x01, count: 32)
        let receipt = DeliveryReceipt(subscriptionID: 1, interval: 1, transactionHash: pending.hexString, containers: ["a"],
                                      paymentToken: Fixture.token)
        let notMined = await h.reply(to: request(Methods.payment.record.name, BusBody.encode(receipt)))
        XCTAssertEqual(notMined.error?.code, .unavailable)
        XCTAssertTrue(notMined.error?.message.contains("has no receipt yet") ?? false, "\(notMined)")
        var bad = receipt
        bad.transactionHash = "0x1234"
        let invalid = await h.reply(to: request(Methods.payment.record.name, BusBody.encode(bad)))
        XCTAssertEqual(invalid.error, BusFailure(.rejected, "transactionHash '0x1234' is not a 32-byte 0x hex hash"))

        // A reverted delivery paid nothing.
        chain.setTransaction(pending, MinedTransaction(succeeded: false, blockNumber: 3, logs: [
            try Self.transferLog(from: Fixture.consumerWallet, spender: Fixture.owner, token: Fixture.token,
                                 to: Fixture.nodeWallet, amount: 5, index: 0)]))
        let reverted = await h.reply(to: request(Methods.payment.record.name, BusBody.encode(receipt)))
        XCTAssertEqual(try BusBody.decode(PaymentRecordResult.self, from: reverted.body).recorded, 0)
    }
}

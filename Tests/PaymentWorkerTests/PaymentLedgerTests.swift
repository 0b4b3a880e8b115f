import BusContract
import EVM
import Foundation
import InfernetSDK
@testable import PaymentWorker
import XCTest

final class PaymentLedgerTests: XCTestCase {
    func testTotalsPerTokenAndSubscriptionBeyond64Bits() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let ledger = try PaymentLedger(path: PaymentLedger.path(dataDirectory: directory.path))
        let big = "100000000000000000000000"  // 1e23 > 2^63
        func earning(_ tx: UInt8, _ index: UInt64, sub: UInt32, token: String, amount: String) -> Earning {
            Earning(transactionHash: Data(repeating: tx, count: 32).hexString, logIndex: index, subscriptionID: sub, interval: 1,
                    token: token, containers: "a", amount: amount, payer: Fixture.consumerWallet.hex, blockNumber: UInt64(tx))
        }
        let eth = Address.zero.hex, token = Fixture.token.hex
        let inserted = try await ledger.record([
            earning(1, 0, sub: 1, token: eth, amount: big), earning(2, 0, sub: 1, token: eth, amount: big),
            earning(2, 1, sub: 2, token: token, amount: "5"), earning(2, 1, sub: 2, token: token, amount: "5"),
        ])
        XCTAssertEqual(inserted, 3, "the duplicate (tx, log index) is ignored")
        let byToken = try await ledger.totalsByToken()
        XCTAssertEqual(byToken, [eth: BigUInt(2) * BigUInt(10).power(23), token: 5])
        let bySubscription = try await ledger.totalsBySubscription()
        XCTAssertEqual(bySubscription, [
            SubscriptionEarnings(subscriptionID: 1, token: eth, total: "200000000000000000000000", payments: 2),
            SubscriptionEarnings(subscriptionID: 2, token: token, total: "5", payments: 1),
        ])
        let reopened = try PaymentLedger(path: PaymentLedger.path(dataDirectory: directory.path))
        let forOne = try await reopened.earnings(subscriptionID: 2)
        XCTAssertEqual(forOne.count, 1)
    }
}

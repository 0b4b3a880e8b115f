import BusContract
import EVM
@testable import ChainWorker
import Foundation
import InfernetCore
import Logging
import XCTest

/// Earnings are not lost (issue 10): a mined delivery's receipt is stored with the delivery in
/// one commit, re-sent while the payment worker is away, and recorded once.
final class ReceiptOutboxTests: XCTestCase {
    /// A payment worker that can be down; its ledger is keyed by transaction hash like the real one.
    actor FlakyPayments: PaymentService {
        var up = false
        var calls = 0
        var ledger: [String: Int] = [:]

        func setUp(_ value: Bool) { up = value }

        func check(_ request: PaymentCheckRequest) async throws -> PaymentDecision { PaymentDecision(accepted: true) }

        func record(_ receipt: DeliveryReceipt) async throws {
            calls += 1
            guard up else { throw CancellationError() }
            // Acknowledged deliveries of each receipt (the real ledger would also ignore repeats).
            ledger[receipt.transactionHash, default: 0] += 1
        }
    }

    func receipt(_ interval: UInt32, hash: String) -> DeliveryReceipt {
        DeliveryReceipt(subscriptionID: 7, interval: interval, transactionHash: hash, containers: ["hello"],
                        paymentToken: .zero)
    }

    func testReceiptSurvivesThePaymentWorkerBeingDownAndARestart() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = ChainStore.path(dataDirectory: directory.path)
        let hash = "0x" + String(repeating: "ab", count: 32)
        let payments = FlakyPayments()
        do {
            let store = try ChainStore(path: path)
            let delivered = DeliveryRecord(subscriptionID: 7, interval: 1, status: .delivered, transactionHash: hash)
            try await store.saveDelivery(delivered, receipt: receipt(1, hash: hash))
            // The same mined event applied twice (a re-poll) stores the receipt once.
            try await store.saveDelivery(delivered, receipt: receipt(1, hash: hash.uppercased().replacingOccurrences(of: "0X", with: "0x")))
            let stored = try await store.delivery(subscriptionID: 7, interval: 1)
            XCTAssertEqual(stored?.status, .delivered)
            let count = try await store.unacknowledgedReceiptCount()
            XCTAssertEqual(count, 1)

            let outbox = ReceiptOutbox(store: store, payments: payments, logger: Logger(label: "test"), initialDelay: 0.05, maxDelay: 0.1)
            let acknowledged = try await outbox.flush()
            XCTAssertEqual(acknowledged, 0)
            let afterFailure = try await store.dueReceipts(now: .greatestFiniteMagnitude)
            XCTAssertEqual(afterFailure.count, 1)
            XCTAssertEqual(afterFailure.first?.attempts, 1)
            XCTAssertNotNil(afterFailure.first?.error)
            // Not due again before its back-off.
            let dueNow = try await store.dueReceipts(now: Date().timeIntervalSince1970 - 1)
            XCTAssertTrue(dueNow.isEmpty)
        }
        // The chain worker restarts while the payment worker is still down: the receipt is on disk.
        let store = try ChainStore(path: path)
        let pending = try await store.unacknowledgedReceiptCount()
        XCTAssertEqual(pending, 1)
        let outbox = ReceiptOutbox(store: store, payments: payments, logger: Logger(label: "test"), initialDelay: 0.05, maxDelay: 0.1)
        try await Task.sleep(for: .milliseconds(150))
        let stillDown = try await outbox.flush()
        XCTAssertEqual(stillDown, 0)

        await payments.setUp(true)
        let task = Task { await outbox.run(every: .milliseconds(20)) }
        let deadline = Date().addingTimeInterval(5)
        while try await store.unacknowledgedReceiptCount() > 0, Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        task.cancel()
        let left = try await store.unacknowledgedReceiptCount()
        XCTAssertEqual(left, 0)
        let ledger = await payments.ledger
        XCTAssertEqual(ledger, [hash: 1])
        let calls = await payments.calls
        XCTAssertGreaterThanOrEqual(calls, 3)
        // Acknowledged receipts are never sent again.
        let again = try await outbox.flush(now: .greatestFiniteMagnitude)
        XCTAssertEqual(again, 0)
        let finalCalls = await payments.calls
        XCTAssertEqual(finalCalls, calls)
    }
}

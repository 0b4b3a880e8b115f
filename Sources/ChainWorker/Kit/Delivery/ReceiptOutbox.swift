import BusContract
import Foundation
import GRDB
import InfernetCore
import Logging

/// A payment receipt waiting for the payment worker's acknowledgement.
public struct PendingReceipt: Sendable, Equatable {
    public var receipt: DeliveryReceipt
    public var attempts: Int
    public var nextAttempt: Double
    public var error: String?
}

extension ChainStore {
    static func registerReceiptTables(_ migrator: inout DatabaseMigrator) {
        // The outbox of receipts for the payment worker: written in the same commit as the
        // delivery it pays for, deleted only once the payment worker acknowledged it.
        migrator.registerMigration("v4-receipts") { db in
            try db.execute(sql: """
                CREATE TABLE payment_receipts (
                    tx_hash TEXT PRIMARY KEY NOT NULL,
                    receipt TEXT NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    next_attempt REAL NOT NULL,
                    error TEXT,
                    created REAL NOT NULL
                ) WITHOUT ROWID;
                """)
        }
    }

    /// Saves a delivery's state and, when it earned a payment, its receipt, in one commit. A
    /// receipt is stored once per transaction hash (a repeated event changes nothing).
    public func saveDelivery(_ record: DeliveryRecord, receipt: DeliveryReceipt?) async throws {
        let encoded = try receipt.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
        try await pool.write { db in
            try Self.write(record, db)
            if let receipt, let encoded {
                let now = Date().timeIntervalSince1970
                try db.execute(sql: """
                    INSERT OR IGNORE INTO payment_receipts (tx_hash, receipt, next_attempt, created) VALUES (?, ?, ?, ?)
                    """, arguments: [receipt.transactionHash.lowercased(), encoded, now, now])
            }
        }
    }

    /// Receipts due for (re-)sending at `now`, oldest first.
    public func dueReceipts(now: Double = Date().timeIntervalSince1970, limit: Int = 100) async throws -> [PendingReceipt] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM payment_receipts WHERE next_attempt <= ? ORDER BY created LIMIT ?
                """, arguments: [now, limit]).map { row in
                let text: String = row["receipt"]
                return PendingReceipt(receipt: try JSONDecoder().decode(DeliveryReceipt.self, from: Data(text.utf8)),
                                      attempts: row["attempts"], nextAttempt: row["next_attempt"], error: row["error"])
            }
        }
    }

    /// How many receipts still wait for an acknowledgement.
    public func unacknowledgedReceiptCount() async throws -> Int {
        try await pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM payment_receipts") ?? 0 }
    }

    /// The payment worker recorded it: the receipt leaves the outbox.
    public func acknowledgeReceipt(transactionHash: String) async throws {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM payment_receipts WHERE tx_hash = ?", arguments: [transactionHash.lowercased()])
        }
    }

    /// Sending failed: try again at `nextAttempt`.
    public func postponeReceipt(transactionHash: String, attempts: Int, nextAttempt: Double, error: String) async throws {
        try await pool.write { db in
            try db.execute(sql: """
                UPDATE payment_receipts SET attempts = ?, next_attempt = ?, error = ? WHERE tx_hash = ?
                """, arguments: [attempts, nextAttempt, error, transactionHash.lowercased()])
        }
    }
}

/// Sends stored receipts to the payment worker until each is acknowledged, with back-off while
/// the payment worker is away. The payment ledger keys earnings by transaction hash, so a
/// receipt sent twice (acknowledgement lost) is still recorded once.
public actor ReceiptOutbox {
    let store: ChainStore
    let payments: any PaymentService
    let logger: Logger
    let initialDelay: Double
    let maxDelay: Double

    public init(store: ChainStore, payments: any PaymentService, logger: Logger, initialDelay: Double = 1, maxDelay: Double = 30) {
        self.store = store
        self.payments = payments
        self.logger = logger
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
    }

    /// Sends every due receipt once; returns how many were acknowledged. A failure postpones
    /// that receipt and ends the pass (the payment worker is likely down; the rest wait).
    @discardableResult
    public func flush(now: Double = Date().timeIntervalSince1970) async throws -> Int {
        var acknowledged = 0
        for pending in try await store.dueReceipts(now: now) {
            let hash = pending.receipt.transactionHash
            do {
                try await payments.record(pending.receipt)
            } catch {
                let attempts = pending.attempts + 1
                let delay = min(maxDelay, initialDelay * Double(1 << min(attempts - 1, 20)))
                try await store.postponeReceipt(transactionHash: hash, attempts: attempts,
                                                nextAttempt: Date().timeIntervalSince1970 + delay, error: "\(error)")
                if attempts == 1 || attempts % 10 == 0 {
                    logger.warning("payment receipt not acknowledged yet; kept and re-sent", metadata: [
                        "hash": "\(hash)", "attempts": "\(attempts)", "retry_in_s": "\(delay)", "error": "\(error)"])
                }
                break
            }
            try await store.acknowledgeReceipt(transactionHash: hash)
            acknowledged += 1
            if pending.attempts > 0 {
                logger.info("payment receipt acknowledged after retries", metadata: ["hash": "\(hash)", "attempts": "\(pending.attempts + 1)"])
            }
        }
        return acknowledged
    }

    /// Flushes every `interval` until cancelled.
    public func run(every interval: Duration = .milliseconds(500)) async {
        while !Task.isCancelled {
            do {
                try await flush()
            } catch is CancellationError {
                return
            } catch {
                logger.error("cannot read or update the payment receipts", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: interval)
        }
    }
}

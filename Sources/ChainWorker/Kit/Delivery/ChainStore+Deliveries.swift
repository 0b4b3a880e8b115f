import Foundation
import GRDB

/// Delivery queries the scheduler needs beyond one record at a time.
extension ChainStore {
    /// The records of `keys` that exist, in one read.
    public func deliveryRecords(_ keys: [IntervalKey]) async throws -> [IntervalKey: DeliveryRecord] {
        try await pool.read { db in
            let statement = try db.cachedStatement(sql: "SELECT * FROM deliveries WHERE subscription_id = ? AND interval = ?")
            var records: [IntervalKey: DeliveryRecord] = [:]
            for key in keys {
                statement.setUncheckedArguments([Int64(key.subscriptionID), Int64(key.interval)])
                if let row = try Row.fetchOne(statement) { records[key] = try Self.decodeDeliveryRow(row) }
            }
            return records
        }
    }

    /// Deliveries left `computing` by a crash go back to `pending`: the node has not sent
    /// anything for them (a sent one is `sent`, in the same commit as its transaction).
    @discardableResult
    public func resetInterruptedDeliveries() async throws -> Int {
        try await pool.write { db in
            try db.execute(sql: "UPDATE deliveries SET status = 'pending', updated = ? WHERE status = 'computing'",
                           arguments: [Date().timeIntervalSince1970])
            return db.changesCount
        }
    }

    /// Deliveries computing or sent and not yet mined.
    public func pendingDeliveryCount() async throws -> Int {
        try await pool.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM deliveries WHERE status IN ('computing', 'sent')") ?? 0
        }
    }

    /// How many deliveries are in each status.
    public func deliveryCounts() async throws -> [DeliveryStatus: Int] {
        try await pool.read { db in
            var counts: [DeliveryStatus: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT status, COUNT(*) AS n FROM deliveries GROUP BY status") {
                if let status = DeliveryStatus(rawValue: row["status"]) { counts[status] = row["n"] }
            }
            return counts
        }
    }

    /// The subscriptions a delivery tick looks at: not cancelled, for a container chain
    /// `serves` accepts, and not a one-shot request (period 0) whose only interval this node has
    /// settled. The container id is checked before the rest of the row is decoded, so a store
    /// full of other nodes' subscriptions costs a tick next to nothing.
    public func deliverableSubscriptions(serving serves: @escaping @Sendable (Data) -> Bool) async throws -> [StoredSubscription] {
        try await pool.read { db in
            let rows = try Row.fetchCursor(db, sql: """
                SELECT s.* FROM subscriptions s
                WHERE s.active_at != 4294967295 AND NOT (s.period = 0 AND EXISTS (
                    SELECT 1 FROM deliveries d WHERE d.subscription_id = s.id AND d.interval = 1
                        AND d.status IN ('delivered', 'failed', 'skipped')))
                ORDER BY s.id
                """)
            var subscriptions: [StoredSubscription] = []
            while let row = try rows.next() {
                guard serves(row["container_id"]) else { continue }
                subscriptions.append(try Self.decode(row))
            }
            return subscriptions
        }
    }
}

@testable import ChainWorker
import EVM
import InfernetSDK
import Foundation
import XCTest

func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("chain-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

final class ChainStoreTests: XCTestCase {
    func testRoundTripSurvivesReopen() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = ChainStore.path(dataDirectory: directory.path)
        XCTAssertTrue(path.hasSuffix("/chain.sqlite"))

        let full = Subscription(
            owner: try Address(hex: "0x7e5f4552091a69125d5dfcb7b8c2659029395bdf", checksum: false), activeAt: 1_700_000_000,
            period: 3600, frequency: UInt32.max - 1, redundancy: UInt16.max, containerID: ContainerSet.hash(["a", "b"]),
            lazy: true, verifier: try Address(hex: "0x2b5ad5c4795c026514f8317c7a215e218dccd6cf", checksum: false),
            paymentAmount: BigUInt(2).power(255) + 12345,
            paymentToken: try Address(hex: "0x6813eb9362372eef6200f3b1dbc3f819671cba69", checksum: false),
            wallet: try Address(hex: "0x1eff47bc3a10a45d4b230b5d10e37751fe6aa718", checksum: false))
        var cancelled = full
        cancelled.activeAt = Subscription.cancelledActiveAt
        cancelled.lazy = false
        do {
            let store = try ChainStore(path: path)
            let none = try await store.progress()
            XCTAssertNil(none)
            try await store.save([StoredSubscription(id: 7, subscription: full, syncedBlock: 42),
                                  StoredSubscription(id: UInt32.max - 1, subscription: cancelled, syncedBlock: 43)],
                                 progress: SyncProgress(nextID: 8, headBlock: 42))
            try await store.saveDelivery(DeliveryRecord(subscriptionID: 7, interval: 3, status: .sent,
                                                        transactionHash: "0xabc", attempts: 2, error: nil))
        }
        let reopened = try ChainStore(path: path)
        let seven = try await reopened.subscription(id: 7)
        XCTAssertEqual(seven, StoredSubscription(id: 7, subscription: full, syncedBlock: 42))
        let all = try await reopened.subscriptions()
        XCTAssertEqual(all.map(\.id), [7, UInt32.max - 1])
        XCTAssertEqual(all.last?.subscription, cancelled)
        XCTAssertTrue(all.last?.subscription.isCancelled ?? false)
        let active = try await reopened.activeSubscriptions()
        XCTAssertEqual(active.map(\.id), [7])
        let progress = try await reopened.progress()
        XCTAssertEqual(progress, SyncProgress(nextID: 8, headBlock: 42))
        XCTAssertEqual(progress?.lastSyncedID, 7)
        let delivery = try await reopened.delivery(subscriptionID: 7, interval: 3)
        XCTAssertEqual(delivery, DeliveryRecord(subscriptionID: 7, interval: 3, status: .sent, transactionHash: "0xabc", attempts: 2))
        let missing = try await reopened.delivery(subscriptionID: 7, interval: 4)
        XCTAssertNil(missing)

        // Updates replace rows; progress only moves when saved.
        try await reopened.save([StoredSubscription(id: 7, subscription: cancelled, syncedBlock: 50)])
        try await reopened.saveProgress(SyncProgress(nextID: 9, headBlock: 51))
        try await reopened.saveDelivery(DeliveryRecord(subscriptionID: 7, interval: 3, status: .delivered, attempts: 3))
        let count = try await reopened.subscriptionCount()
        XCTAssertEqual(count, 2)
        let updated = try await reopened.subscription(id: 7)
        XCTAssertEqual(updated?.syncedBlock, 50)
        XCTAssertTrue(updated?.subscription.isCancelled ?? false)
        let moved = try await reopened.progress()
        XCTAssertEqual(moved, SyncProgress(nextID: 9, headBlock: 51))
        let deliveries = try await reopened.deliveries(subscriptionID: 7)
        XCTAssertEqual(deliveries.map(\.status), [.delivered])

        // The file is in WAL mode.
        let mode = try await reopened.journalMode()
        XCTAssertEqual(mode, "wal")
    }

    func testDeliverableSubscriptionsAreServedLiveAndNotSettledCallbacks() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try ChainStore(path: ChainStore.path(dataDirectory: directory.path))
        let owner = try Address(hex: "0x7e5f4552091a69125d5dfcb7b8c2659029395bdf", checksum: false)
        func sub(_ container: String, period: UInt32 = 0, cancelled: Bool = false) -> Subscription {
            Subscription(owner: owner, activeAt: cancelled ? Subscription.cancelledActiveAt : 10, period: period,
                         frequency: period == 0 ? 1 : 100, redundancy: 1, containerID: ContainerSet.hash([container]),
                         lazy: false)
        }
        try await store.save([
            StoredSubscription(id: 1, subscription: sub("a"), syncedBlock: 1),                   // due
            StoredSubscription(id: 2, subscription: sub("a"), syncedBlock: 1),                   // delivered
            StoredSubscription(id: 3, subscription: sub("a"), syncedBlock: 1),                   // sent: may still revert
            StoredSubscription(id: 4, subscription: sub("other"), syncedBlock: 1),               // not served
            StoredSubscription(id: 5, subscription: sub("a", cancelled: true), syncedBlock: 1),  // cancelled
            StoredSubscription(id: 6, subscription: sub("a", period: 10), syncedBlock: 1),       // recurring, interval 1 done
            StoredSubscription(id: 7, subscription: sub("a"), syncedBlock: 1),                   // skipped
            StoredSubscription(id: 8, subscription: sub("a"), syncedBlock: 1),                   // failed
        ])
        try await store.saveDelivery(DeliveryRecord(subscriptionID: 2, interval: 1, status: .delivered))
        try await store.saveDelivery(DeliveryRecord(subscriptionID: 3, interval: 1, status: .sent))
        try await store.saveDelivery(DeliveryRecord(subscriptionID: 6, interval: 1, status: .delivered))
        try await store.saveDelivery(DeliveryRecord(subscriptionID: 7, interval: 1, status: .skipped))
        try await store.saveDelivery(DeliveryRecord(subscriptionID: 8, interval: 1, status: .failed))
        let served = ContainerSet.hash(["a"])
        let ids = try await store.deliverableSubscriptions(serving: { $0 == served }).map(\.id)
        XCTAssertEqual(ids, [1, 3, 6])
        let all = try await store.deliverableSubscriptions(serving: { _ in true }).map(\.id)
        XCTAssertEqual(all, [1, 3, 4, 6])
        let first = try await store.deliverableSubscriptions(serving: { $0 == served }).first
        XCTAssertEqual(first, StoredSubscription(id: 1, subscription: sub("a"), syncedBlock: 1), "decoded in full")
    }

    func testAdaptiveBatchSize() {
        var size = AdaptiveBatchSize(maximum: 10)
        XCTAssertEqual(size.current, 10)
        XCTAssertTrue(size.shrink()); XCTAssertEqual(size.current, 5)
        XCTAssertTrue(size.shrink()); XCTAssertEqual(size.current, 2)
        XCTAssertTrue(size.shrink()); XCTAssertEqual(size.current, 1)
        XCTAssertFalse(size.shrink()); XCTAssertEqual(size.current, 1)
        size.grow(); XCTAssertEqual(size.current, 2)
        size.grow(); size.grow(); XCTAssertEqual(size.current, 8)
        size.grow(); XCTAssertEqual(size.current, 10)
        XCTAssertEqual(AdaptiveBatchSize(maximum: 0).current, 1)
    }
}

import BusContract
@testable import ChainWorker
import EVM
import InfernetSDK
import Foundation
import InfernetCore
import Logging
import TestSupport
import XCTest

/// The sync against the project's devnet (py-evm + the Vyper SDK contracts): subscriptions made
/// by an EOA on the Coordinator and by the test consumers land in the store with their fields;
/// a cancellation is noticed; a new store on the same file resumes from its saved progress.
final class SubscriptionSyncDevnetTests: DevnetTestCase {

    private func environment() throws -> (rpc: JSONRPCClient, addresses: [String: Address]) {
        let devnet = try devnet()
        return (JSONRPCClient(urls: [devnet.rpcURL]), devnet.addresses)
    }

    private func key(_ index: Int) throws -> PrivateKey { try DevnetClient.key(index) }

    @discardableResult
    private func send(_ rpc: JSONRPCClient, from key: PrivateKey, to: Address, data: Data) async throws -> TransactionReceipt {
        try await DevnetClient(rpcURL: try devnet().rpcURL).send(from: key, to: to, data: data)
    }

    func testSyncCancellationAndResume() async throws {
        let (rpc, addresses) = try environment()
        let registry = try XCTUnwrap(addresses["registry"])
        let coordinator = try XCTUnwrap(addresses["coordinator"])
        let subscriptionConsumer = try XCTUnwrap(addresses["subscriptionConsumer"])
        let callbackConsumer = try XCTUnwrap(addresses["callbackConsumer"])
        let alice = try key(1), bob = try key(2)
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = ChainStore.path(dataDirectory: directory.path)

        // 1: an EOA's recurring subscription; 2: a consumer's lazy one; 3: a callback request.
        try await send(rpc, from: bob, to: coordinator, data: try CoordinatorContract.createSubscriptionCalldata(
            containerID: "a,b", frequency: 5, period: 60, redundancy: 2, lazy: false))
        let create = try ABIFunction("createComputeSubscription(string,uint32,uint32,uint16,bool,address,uint256,address,address)")
        try await send(rpc, from: alice, to: subscriptionConsumer, data: try create.encodeCall([
            .string("hello-world"), .uint(UInt32(3)), .uint(UInt32(30)), .uint(UInt16(1)), .bool(true), .address(.zero),
            .uint(BigUInt(0)), .address(.zero), .address(.zero)]))
        let request = try ABIFunction("requestCompute(string,bytes,uint16,address,uint256,address,address)")
        try await send(rpc, from: alice, to: callbackConsumer, data: try request.encodeCall([
            .string("hello-world"), .bytes(Data("hi".utf8)), .uint(UInt16(1)), .address(.zero), .uint(BigUInt(0)),
            .address(.zero), .address(.zero)]))

        let source = try await ChainSubscriptionSource.resolve(rpc: rpc, registry: registry)
        XCTAssertEqual(source.addresses.coordinator, coordinator)
        XCTAssertEqual(source.addresses.reader, addresses["reader"])
        var settings = SyncSettings()
        settings.trailHeadBlocks = 0   // automine: every transaction is its own block
        settings.batchSize = 2
        settings.sleepBetweenBatches = .zero
        settings.refreshInterval = .zero
        var firstIDs: [UInt32] = []
        do {
            let store = try ChainStore(path: path)
            let sync = SubscriptionSync(source: source, store: store, settings: settings)
            let report = try await sync.syncOnce()
            XCTAssertEqual(report.nextID, 4)
            XCTAssertEqual(report.newSubscriptions, 3)
            XCTAssertEqual(report.batches, 2, "batch size 2 over ids 1..<4")
            let stored = try await store.subscriptions()
            firstIDs = stored.map(\.id)
            XCTAssertEqual(firstIDs, [1, 2, 3])
            // Fields match the chain's, read independently through the Coordinator.
            let chain = CoordinatorContract(address: coordinator, caller: rpc)
            for entry in stored {
                let onChain = try await chain.subscription(entry.id)
                XCTAssertEqual(entry.subscription, onChain)
            }
            XCTAssertEqual(stored[0].subscription.owner, bob.address)
            XCTAssertEqual(stored[0].subscription.containerID, ContainerSet.hash(["a", "b"]))
            XCTAssertEqual(stored[0].subscription.period, 60)
            XCTAssertEqual(stored[0].subscription.frequency, 5)
            XCTAssertEqual(stored[0].subscription.redundancy, 2)
            XCTAssertEqual(stored[1].subscription.owner, subscriptionConsumer)
            XCTAssertTrue(stored[1].subscription.lazy)
            XCTAssertEqual(stored[2].subscription.owner, callbackConsumer)
            XCTAssertEqual(Schedule.kind(of: stored[2].subscription), .callback)
            XCTAssertEqual(stored[2].subscription.frequency, 1)

            // Bob cancels his: the next sync notices (activeAt = 2^32-1).
            try await send(rpc, from: bob, to: coordinator, data: try CoordinatorContract.cancelSubscriptionCalldata(1))
            let second = try await sync.syncOnce()
            XCTAssertEqual(second.newSubscriptions, 0)
            XCTAssertEqual(second.cancelled, 1)
            let cancelled = try await store.subscription(id: 1)
            XCTAssertTrue(cancelled?.subscription.isCancelled ?? false)
            let active = try await store.activeSubscriptions()
            XCTAssertEqual(active.map(\.id), [2, 3])
        }

        // Another subscription, then a new store on the same file: only id 4 is read.
        try await send(rpc, from: bob, to: coordinator, data: try CoordinatorContract.createSubscriptionCalldata(
            containerID: "a", frequency: 1, period: 0, redundancy: 1, lazy: false))
        let store = try ChainStore(path: path)
        let saved = try await store.progress()
        XCTAssertEqual(saved?.nextID, 4)
        let resumed = SubscriptionSync(source: source, store: store, settings: settings)
        let third = try await resumed.syncOnce()
        XCTAssertEqual(third.newSubscriptions, 1)
        XCTAssertEqual(third.nextID, 5)
        let ids = try await store.subscriptions().map(\.id)
        XCTAssertEqual(ids, [1, 2, 3, 4])
        let progress = try await store.progress()
        XCTAssertEqual(progress?.nextID, 5)
        XCTAssertEqual(progress?.headBlock, third.block)

        // Trailing the head: with trail 1000 on a short chain the sync reads at block 0 (nothing deployed yet).
        var trailing = settings
        trailing.trailHeadBlocks = 1000
        let fresh = try ChainStore(path: ChainStore.path(dataDirectory: directory.appendingPathComponent("t").path))
        do {
            let report = try await SubscriptionSync(source: source, store: fresh, settings: trailing).syncOnce()
            XCTAssertEqual(report.block, 0)
        } catch {
            // No contract code at block 0: the id() call fails to decode. Either way nothing is stored.
        }
        let none = try await fresh.subscriptionCount()
        XCTAssertEqual(none, 0)
    }

    /// The worker's loop: with `chain.enabled` it resolves the contracts from the registry and
    /// fills `<data_dir>/chain.sqlite`; cancelling the task stops it.
    func testSyncLoopFromConfig() async throws {
        let (rpc, addresses) = try environment()
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let coordinator = try XCTUnwrap(addresses["coordinator"])
        try await send(rpc, from: try key(3), to: coordinator, data: try CoordinatorContract.createSubscriptionCalldata(
            containerID: "loop", frequency: 1, period: 0, redundancy: 1, lazy: false))
        let expected = try await CoordinatorContract(address: coordinator, caller: rpc).nextID()

        var config = NodeConfig()
        config.chain.enabled = true
        config.chain.rpcURL = URL(string: try devnet().rpcURL)
        config.chain.registryAddress = try XCTUnwrap(addresses["registry"])
        config.chain.trailHeadBlocks = 0
        config.chain.snapshotSync.sleep = .zero
        config.chain.snapshotSync.syncPeriod = .milliseconds(100)
        config.node.dataDirectory = directory.path
        let loop = Task { [config] in await ChainNode(config: config, services: NoNodeServices(), logger: Logger(label: "test")).syncAndDeliver() }
        defer { loop.cancel() }
        var progress: SyncProgress?
        for _ in 0..<100 {
            try await Task.sleep(for: .milliseconds(100))
            guard FileManager.default.fileExists(atPath: ChainStore.path(dataDirectory: directory.path)) else { continue }
            progress = try await ChainStore(path: ChainStore.path(dataDirectory: directory.path)).progress()
            if let progress, progress.nextID >= expected { break }
        }
        XCTAssertGreaterThanOrEqual(progress?.nextID ?? 0, expected)
        let store = try ChainStore(path: ChainStore.path(dataDirectory: directory.path))
        let last = try await store.subscription(id: expected - 1)
        XCTAssertEqual(last?.subscription.containerID, ContainerSet.hash(["loop"]))
        loop.cancel()
        await loop.value

        // Disabled: returns at once and creates nothing.
        var disabled = config
        disabled.chain.enabled = false
        disabled.node.dataDirectory = directory.appendingPathComponent("off").path
        await ChainNode(config: disabled, services: NoNodeServices(), logger: Logger(label: "test")).syncAndDeliver()
        XCTAssertFalse(FileManager.default.fileExists(atPath: disabled.node.dataDirectory))
    }
}

/// Compute and payment that are never reached (sync-only tests).
struct NoNodeServices: ComputeService, PaymentService {
    struct Unreachable: Error {}
    func run(_ request: ComputeRequest, timeout: Duration) async throws -> ComputeResult { throw Unreachable() }
    func check(_ request: PaymentCheckRequest) async throws -> PaymentDecision { throw Unreachable() }
    func record(_ receipt: DeliveryReceipt) async throws { throw Unreachable() }
}

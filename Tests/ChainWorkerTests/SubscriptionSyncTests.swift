@testable import ChainWorker
import EVM
import InfernetSDK
import Foundation
import InfernetCore
import Synchronization
import XCTest

/// An in-memory chain: subscriptions by id, a head, and a Reader that fails above a batch limit.
final class FakeSource: SubscriptionSource, @unchecked Sendable {
    private let lock = NSLock()
    private var _subscriptions: [UInt32: Subscription] = [:]
    private var _nextID: UInt32 = 1
    var head: UInt64 = 100
    var readLimit = Int.max
    var failAll = false
    /// Reads of ranges starting at or above this id fail.
    var failFrom: UInt32 = .max
    /// Called with each range read, inside the read.
    var onRead: (@Sendable (Range<UInt32>) -> Void)?
    private(set) var reads: [Range<UInt32>] = []
    var blocksRead: Set<UInt64> = []
    /// Passes that asked for the head.
    private(set) var headReads = 0

    func add(_ subscription: Subscription) -> UInt32 {
        lock.withLock { let id = _nextID; _subscriptions[id] = subscription; _nextID += 1; return id }
    }

    func cancel(_ id: UInt32) {
        lock.withLock { _subscriptions[id]?.activeAt = Subscription.cancelledActiveAt }
    }

    func resetReads() { lock.withLock { reads = [] } }

    func headBlock() async throws -> UInt64 { lock.withLock { headReads += 1; return head } }
    /// When set, `timestamp(ofBlock:)` gives `nextSubscriptionID` a bounded chance to run
    /// before it answers, and notes whether it did (the two are read together).
    var probeOverlap = false
    private(set) var nextIDReads = 0
    private(set) var overlapped: Bool?

    func timestamp(ofBlock number: UInt64) async throws -> UInt64 {
        if probeOverlap {
            let before = lock.withLock { nextIDReads }
            for _ in 0..<10_000 where lock.withLock({ nextIDReads }) == before { await Task.yield() }
            lock.withLock { overlapped = nextIDReads > before }
        }
        return 1_000 + number
    }
    func nextSubscriptionID(block: UInt64) async throws -> UInt32 {
        lock.withLock { nextIDReads += 1; blocksRead.insert(block); return _nextID }
    }
    func subscriptions(_ ids: Range<UInt32>, block: UInt64) async throws -> [Subscription] {
        try lock.withLock {
            reads.append(ids)
            blocksRead.insert(block)
            onRead?(ids)
            if failAll || ids.count > readLimit || ids.lowerBound >= failFrom { throw RPCError.server(code: -32000, message: "out of gas", data: nil, url: "fake") }
            return ids.map { _subscriptions[$0] ?? Subscription(owner: .zero, activeAt: 0, period: 0, frequency: 0,
                                                                redundancy: 0, containerID: Data(count: 32), lazy: false) }
        }
    }
}

final class SubscriptionSyncTests: XCTestCase {
    let owner = try! Address(hex: "0x7e5f4552091a69125d5dfcb7b8c2659029395bdf", checksum: false)

    func sub(period: UInt32 = 0, frequency: UInt32 = 1) -> Subscription {
        Subscription(owner: owner, activeAt: 500, period: period, frequency: frequency, redundancy: 1,
                     containerID: ContainerSet.hash(["a"]), lazy: false)
    }

    func settings(batch: Int, trail: UInt64 = 2, start: UInt32 = 0) -> SyncSettings {
        var settings = SyncSettings()
        settings.batchSize = batch
        settings.trailHeadBlocks = trail
        settings.startingSubID = start
        settings.sleepBetweenBatches = .zero
        settings.refreshInterval = .zero
        return settings
    }

    /// A fresh store in a temporary directory, and a source holding `count` live subscriptions.
    func withStoreAndSource(subscriptions count: Int, _ body: (ChainStore, FakeSource) async throws -> Void) async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try ChainStore(path: ChainStore.path(dataDirectory: directory.path))
        let source = FakeSource()
        for _ in 0..<count { _ = source.add(sub(period: 10, frequency: 1000)) }
        try await body(store, source)
    }

    func testAPassReadsTheBlockAndTheNextIDTogether() async throws {
        try await withStoreAndSource(subscriptions: 3) { store, source in
            source.probeOverlap = true
            let sync = SubscriptionSync(source: source, store: store, settings: settings(batch: 16))
            let report = try await sync.syncOnce()
            XCTAssertEqual(source.overlapped, true, "the next id was read only after the block's timestamp")
            XCTAssertEqual(report.timestamp, 1_000 + report.block)
            XCTAssertEqual(report.nextID, 4)
            XCTAssertEqual(report.newSubscriptions, 3)
        }
    }

    func testBatchesHalveOnErrorsAndGrowBack() async throws {
        try await withStoreAndSource(subscriptions: 40) { store, source in
            source.readLimit = 5
            var oneAtATime = settings(batch: 16)
            oneAtATime.readAhead = 0  // every read below is one the halving asked for
            let sync = SubscriptionSync(source: source, store: store, settings: oneAtATime)
            let report = try await sync.syncOnce()
            XCTAssertEqual(report.block, 98, "reads trail the head by trail_head_blocks")
            XCTAssertEqual(source.blocksRead, [98])
            XCTAssertEqual(report.nextID, 41)
            XCTAssertEqual(report.newSubscriptions, 40)
            XCTAssertGreaterThan(report.batchSizeReductions, 0)
            // Every id read exactly once among successful reads, contiguous, start inclusive/end exclusive.
            let good = source.reads.filter { $0.count <= 5 }
            XCTAssertEqual(good.first?.lowerBound, 1)
            XCTAssertEqual(good.last?.upperBound, 41)
            for (a, b) in zip(good, good.dropFirst()) where b.lowerBound != 1 { XCTAssertLessThanOrEqual(a.upperBound, b.upperBound) }
            // The size grew back towards 16 after successes, then shrank again: reads of 8 were tried after 4-sized ones.
            let sizes = source.reads.map(\.count)
            XCTAssertTrue(sizes.contains(16)); XCTAssertTrue(sizes.contains(4)); XCTAssertTrue(sizes.contains(8))
            let stored = try await store.subscriptions()
            XCTAssertEqual(stored.map(\.id), Array(1...40))
            let progress = try await store.progress()
            XCTAssertEqual(progress, SyncProgress(nextID: 41, headBlock: 98))

            // Size 1 still failing: the error surfaces and progress stays.
            _ = source.add(sub())
            source.head += 1  // a new subscription comes with a new block
            source.failAll = true
            do {
                _ = try await sync.syncOnce()
                XCTFail("expected an error")
            } catch {}
            let same = try await store.progress()
            XCTAssertEqual(same?.nextID, 41)
        }
    }

    /// Batches commit while the next one is read; a read that fails for good still leaves every
    /// batch read before it committed, with progress right after the last of them.
    func testAFailedReadKeepsEveryEarlierBatchCommitted() async throws {
        try await withStoreAndSource(subscriptions: 20) { store, source in
            source.failFrom = 11
            let sync = SubscriptionSync(source: source, store: store, settings: settings(batch: 5))
            do {
                _ = try await sync.syncOnce()
                XCTFail("expected the read of id 11 to fail")
            } catch {}
            let progress = try await store.progress()
            XCTAssertEqual(progress?.nextID, 11)
            let stored = try await store.subscriptions()
            XCTAssertEqual(stored.map(\.id), Array(1...10))

            source.failFrom = .max
            let report = try await sync.syncOnce()
            XCTAssertEqual(report.newSubscriptions, 10)
            let all = try await store.subscriptions()
            XCTAssertEqual(all.map(\.id), Array(1...20))
        }
    }

    /// With reads ahead, a sync without errors still reads every range once (reads in flight
    /// together may reach the chain in either order).
    func testReadsAheadReadEachBatchOnce() async throws {
        try await withStoreAndSource(subscriptions: 23) { store, source in
            var ahead = settings(batch: 5)
            ahead.readAhead = 2
            let report = try await SubscriptionSync(source: source, store: store, settings: ahead).syncOnce()
            XCTAssertEqual(report.newSubscriptions, 23)
            XCTAssertEqual(report.batches, 5)
            XCTAssertEqual(source.reads.sorted { $0.lowerBound < $1.lowerBound }, [1..<6, 6..<11, 11..<16, 16..<21, 21..<24])
            let stored = try await store.subscriptions()
            XCTAssertEqual(stored.map(\.id), Array(1...23))
            let progress = try await store.progress()
            XCTAssertEqual(progress?.nextID, 24)
        }
    }

    /// A cancelled sync (the node shutting down) stops within a batch or two, not after the whole
    /// snapshot, and what it stored is a committed prefix.
    func testACancelledSyncStopsAtTheNextBatch() async throws {
        try await withStoreAndSource(subscriptions: 100) { store, source in
            let sync = SubscriptionSync(source: source, store: store, settings: settings(batch: 5))
            let handle = Mutex<Task<SyncReport, any Error>?>(nil)
            source.onRead = { _ in handle.withLock { $0?.cancel() } }
            let (gate, open) = AsyncStream<Void>.makeStream()
            let task = Task {
                for await _ in gate { break }
                return try await sync.syncOnce()
            }
            handle.withLock { $0 = task }
            open.yield()
            open.finish()
            do {
                _ = try await task.value
                XCTFail("expected the sync to stop")
            } catch {
                XCTAssertTrue(error is CancellationError, "\(error)")
            }
            XCTAssertLessThanOrEqual(source.reads.count, 2 + SyncSettings().readAhead, "\(source.reads)")
            let progress = try await store.progress()
            let stored = try await store.subscriptions()
            XCTAssertEqual(stored.map(\.id), Array(1..<(progress?.nextID ?? 1)))
        }
    }

    func testCancellationRefreshAndRestart() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = ChainStore.path(dataDirectory: directory.path)
        let source = FakeSource()
        let a = source.add(sub(period: 0)), b = source.add(sub(period: 10, frequency: 1000))
        let done = source.add(sub(period: 1, frequency: 1)) // finished by time: not re-read
        do {
            let sync = SubscriptionSync(source: source, store: try ChainStore(path: path), settings: settings(batch: 10, trail: 0))
            let first = try await sync.syncOnce()
            XCTAssertEqual(first.newSubscriptions, 3)
            XCTAssertEqual(first.refreshed, 0)
            source.cancel(b)
            source.head += 1  // a cancellation comes with a new block
            source.resetReads()
            let second = try await sync.syncOnce()
            XCTAssertEqual(second.newSubscriptions, 0)
            XCTAssertEqual(second.refreshed, 2)
            XCTAssertEqual(second.cancelled, 1)
            XCTAssertEqual(source.reads, [a..<(b + 1)], "re-reads only live ones, not \(done)")
        }
        // A new process on the same file resumes after the saved progress.
        let c = source.add(sub())
        source.resetReads()
        let store = try ChainStore(path: path)
        let cancelled = try await store.subscription(id: b)
        XCTAssertTrue(cancelled?.subscription.isCancelled ?? false)
        let resumed = SubscriptionSync(source: source, store: store, settings: settings(batch: 10, trail: 0))
        let third = try await resumed.syncOnce()
        XCTAssertEqual(third.newSubscriptions, 1)
        XCTAssertEqual(source.reads.first, c..<(c + 1))
        XCTAssertEqual(third.refreshed, 1, "only \(a) is still live")
    }

    func testAPassAtAnUnchangedHeadReadsOnlyTheHead() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try ChainStore(path: ChainStore.path(dataDirectory: directory.path))
        let source = FakeSource()
        _ = source.add(sub(period: 10, frequency: 1000))
        let sync = SubscriptionSync(source: source, store: store, settings: settings(batch: 10, trail: 0))
        let first = try await sync.syncOnce()
        XCTAssertEqual(first.newSubscriptions, 1)
        XCTAssertEqual(source.reads, [1..<2])
        source.resetReads()
        source.blocksRead = []
        let same = try await sync.syncOnce()
        XCTAssertEqual(same.newSubscriptions + same.refreshed, 0)
        XCTAssertEqual(source.reads, [], "nothing at a block already read")
        XCTAssertEqual(source.blocksRead, [], "not even Coordinator.id")
        let added = source.add(sub())
        source.head += 1
        let next = try await sync.syncOnce()
        XCTAssertEqual(next.newSubscriptions, 1)
        XCTAssertEqual(source.reads.first, added..<(added + 1))
        XCTAssertEqual(source.blocksRead, [101])
    }

    /// `run(changed:)` tells the delivery scheduler about passes that stored something (it then
    /// ticks at once instead of up to a tick interval later), and only about those.
    func testRunSignalsPassesThatStoredSomethingOnly() async throws {
        try await withStoreAndSource(subscriptions: 3) { store, source in
            var settings = self.settings(batch: 10, trail: 0)
            settings.syncPeriod = .milliseconds(5)
            let sync = SubscriptionSync(source: source, store: store, settings: settings)
            let (signals, signal) = AsyncStream.makeStream(of: Int.self)
            let count = Mutex(0)
            let running = Task { await sync.run(changed: { signal.yield(count.withLock { $0 += 1; return $0 }) }) }
            var received = signals.makeAsyncIterator()
            let first = await received.next()
            XCTAssertEqual(first, 1)
            let stored = try await store.subscriptionCount()
            XCTAssertEqual(stored, 3, "signalled before the pass's subscriptions were stored")
            // Passes at the same head store nothing: no signal.
            let reads = source.headReads
            for _ in 0..<400 where source.headReads < reads + 5 { try await Task.sleep(for: .milliseconds(5)) }
            XCTAssertGreaterThanOrEqual(source.headReads, reads + 5, "the sync stopped passing")
            XCTAssertEqual(count.withLock { $0 }, 1, "a pass that stored nothing signalled")
            _ = source.add(self.sub())
            source.head += 1
            let second = await received.next()
            XCTAssertEqual(second, 2)
            running.cancel()
            await running.value
        }
    }

    func testStartingSubIDAndMissingIDs() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try ChainStore(path: ChainStore.path(dataDirectory: directory.path))
        let source = FakeSource()
        for _ in 0..<6 { _ = source.add(sub()) }
        let sync = SubscriptionSync(source: source, store: store, settings: settings(batch: 4, trail: 0, start: 3))
        let report = try await sync.syncOnce()
        XCTAssertEqual(report.newSubscriptions, 4)
        XCTAssertEqual(source.reads, [3..<7])
        let ids = try await store.subscriptions().map(\.id)
        XCTAssertEqual(ids, [3, 4, 5, 6])
    }

    func testSettingsFromChainConfig() {
        var chain = NodeConfig().chain
        XCTAssertEqual(SyncSettings(chain: chain).trailHeadBlocks, 1)
        XCTAssertEqual(SyncSettings(chain: chain).batchSize, 500)
        XCTAssertEqual(SyncSettings(chain: chain).startingSubID, 0)
        XCTAssertEqual(SyncSettings(chain: chain).sleepBetweenBatches, .seconds(1))
        XCTAssertEqual(SyncSettings(chain: chain).syncPeriod, .milliseconds(500))
        chain.trailHeadBlocks = 5
        chain.snapshotSync.batchSize = 9650
        chain.snapshotSync.startingSubID = 42
        chain.snapshotSync.sleep = .milliseconds(250)
        chain.snapshotSync.syncPeriod = .seconds(2)
        let settings = SyncSettings(chain: chain)
        XCTAssertEqual(settings.trailHeadBlocks, 5)
        XCTAssertEqual(settings.batchSize, 9650)
        XCTAssertEqual(settings.startingSubID, 42)
        XCTAssertEqual(settings.sleepBetweenBatches, .milliseconds(250))
        XCTAssertEqual(settings.syncPeriod, .seconds(2))
    }
}

import EVM
import InfernetSDK
import Foundation
import InfernetCore
import Logging

/// The `chain.snapshot_sync` and `chain.trail_head_blocks` settings the sync uses.
public struct SyncSettings: Sendable, Equatable {
    /// Reads happen at `head - trailHeadBlocks`.
    public var trailHeadBlocks: UInt64 = 1
    /// Largest Reader batch (ids per `readSubscriptionBatch`).
    public var batchSize = 500
    /// First id to read on a fresh store (ids are 1-based: 0 reads from 1).
    public var startingSubID: UInt32 = 0
    /// Pause between two batch reads of one sync.
    public var sleepBetweenBatches: Duration = .seconds(1)
    /// Batch reads in flight ahead of the one being stored (when `sleepBetweenBatches` is zero):
    /// enough for the chain to always have the next read while this process decodes the last
    /// (a decode of 500 takes about as long as the devnet's read), few enough not to flood an
    /// RPC provider. 0 reads one batch at a time.
    public var readAhead = 2
    /// Pause between two syncs (`run`).
    public var syncPeriod: Duration = .milliseconds(500)
    /// How often a long sync logs its progress.
    public var progressLogInterval: Duration = .seconds(5)
    /// How often known live subscriptions are re-read to notice cancellations (new ids are
    /// polled every `syncPeriod`). A delivery to a cancelled subscription fails its simulation
    /// anyway, so this only saves work.
    public var refreshInterval: Duration = .seconds(5)

    public init() {}

    public init(chain: ChainConfig) {
        trailHeadBlocks = UInt64(max(0, chain.trailHeadBlocks))
        batchSize = max(1, chain.snapshotSync.batchSize)
        startingSubID = UInt32(clamping: max(0, chain.snapshotSync.startingSubID))
        sleepBetweenBatches = max(.zero, chain.snapshotSync.sleep)
        syncPeriod = max(.zero, chain.snapshotSync.syncPeriod)
    }
}

/// What one sync did.
public struct SyncReport: Sendable, Equatable {
    /// The block read at (`head - trailHeadBlocks`) and its timestamp.
    public var block: UInt64 = 0
    public var timestamp: UInt64 = 0
    /// The Coordinator's `id()` at that block.
    public var nextID: UInt32 = 0
    /// Subscriptions read for the first time (existing ones only).
    public var newSubscriptions = 0
    /// Known subscriptions re-read, and those of them found changed / newly cancelled.
    public var refreshed = 0
    public var changed = 0
    public var cancelled = 0
    /// Batch reads done, and how often the batch size was halved after an error.
    public var batches = 0
    public var batchSizeReductions = 0
}

/// Keeps the `ChainStore` in step with the Coordinator's subscriptions, without events (as the
/// reference node since SDK 1.0): polls `id()`, reads new ids through the Reader in batches, and
/// re-reads known live subscriptions to notice cancellation (`activeAt == 2^32-1`). All reads
/// are at `head - trail_head_blocks`. Progress is committed with each batch, so a restart resumes
/// where the last committed batch ended. Pauses and intervals are kept with `clock`.
public actor SubscriptionSync<C: Clock> where C.Duration == Duration {
    public let source: any SubscriptionSource
    public let store: ChainStore
    public let settings: SyncSettings
    private let logger: Logger
    public private(set) var batchSize: AdaptiveBatchSize
    /// Which subscriptions are worth re-reading: those this node serves (nil: all of them).
    private let lookup: ContainerSetLookup?
    private var lastRefresh: C.Instant?
    /// The block the last complete pass read at: at the same block nothing read can differ.
    private var lastCompleteBlock: UInt64?
    private let clock: C

    /// - Parameter lookup: the container chains this node serves; subscriptions for other
    ///   chains are stored once and never re-read.
    public init(source: any SubscriptionSource, store: ChainStore, settings: SyncSettings, lookup: ContainerSetLookup? = nil,
                clock: C, logger: Logger = Logger(label: "infernet.chain.sync")) {
        self.clock = clock
        self.source = source
        self.store = store
        self.settings = settings
        self.lookup = lookup
        self.logger = logger
        batchSize = AdaptiveBatchSize(maximum: settings.batchSize)
    }

    /// One sync pass.
    public func syncOnce() async throws -> SyncReport {
        var report = SyncReport()
        let head = try await source.headBlock()
        report.block = head >= settings.trailHeadBlocks ? head - settings.trailHeadBlocks : 0
        // No new block, nothing new to read (`Coordinator.id` and every subscription are as the
        // last pass read them): one `eth_blockNumber` per pass instead of three calls and more.
        guard report.block != lastCompleteBlock else { return report }
        // Both at the pinned block, so one round trip for the two (a pass started with three in a
        // row before its first batch read: 10–15 % of a whole 10,000-subscription snapshot sync).
        let block = report.block
        async let timestamp = source.timestamp(ofBlock: block)
        async let nextID = source.nextSubscriptionID(block: block)
        report.timestamp = try await timestamp
        report.nextID = try await nextID

        let saved = try await store.progress()
        let firstNew = saved?.nextID ?? max(1, settings.startingSubID)
        try await readNew(from: firstNew, report: &report)
        if lastRefresh.map({ $0.duration(to: clock.now) >= settings.refreshInterval }) ?? true {
            try await refreshKnown(below: firstNew, report: &report)
            lastRefresh = clock.now
        }
        lastCompleteBlock = report.block
        if report.newSubscriptions > 0 || report.changed > 0 {
            logger.info("subscription sync", metadata: [
                "block": "\(report.block)", "next_id": "\(report.nextID)", "new": "\(report.newSubscriptions)",
                "refreshed": "\(report.refreshed)", "changed": "\(report.changed)", "cancelled": "\(report.cancelled)",
            ])
        }
        return report
    }

    /// Syncs every `settings.syncPeriod` until cancelled; errors are logged and retried next time.
    /// `changed` is called after a pass that stored new subscriptions or changed known ones.
    public func run(changed: @Sendable () -> Void = {}) async {
        while !Task.isCancelled {
            do {
                let report = try await syncOnce()
                if report.newSubscriptions > 0 || report.changed > 0 { changed() }
            } catch is CancellationError {
                return
            } catch {
                logger.warning("subscription sync failed; retrying", metadata: ["error": "\(error)"])
            }
            try? await clock.sleep(for: settings.syncPeriod)
        }
    }

    // MARK: New ids

    private func readNew(from firstNew: UInt32, report: inout SyncReport) async throws {
        var start = firstNew
        let total = report.nextID > start ? Int(report.nextID - start) : 0
        var lastLog = clock.now
        // Overlaps keep the chain, this process and SQLite busy at once. Unless
        // `sleepBetweenBatches` spaces the reads, the batch awaited and the `settings.readAhead`
        // after it are read (and decoded) together, so the chain reads the next while this one
        // is decoded and stored; and each commit runs while later batches are read. A commit
        // starts only after the one before it ended, so progress stays in id order and a restart
        // resumes after the last committed batch. Every path out of here (cancellation, checked
        // each batch, included) waits for the reads and the commit in flight.
        var commit: Task<Void, any Error>?
        var ahead: [Prefetch] = []
        do {
            while start < report.nextID {
                try Task.checkCancellation()
                keepReading(&ahead, from: start, below: report.nextID, block: report.block)
                let subscriptions: [Subscription]
                if let first = ahead.first, let early = await first.take(from: start) {
                    ahead.removeFirst()
                    subscriptions = early
                    report.batches += 1
                    batchSize.grow()
                } else {
                    await Prefetch.abandon(ahead)
                    ahead = []
                    if report.batches > 0 { try await clock.sleep(for: settings.sleepBetweenBatches) }
                    let wanted = start..<min(report.nextID, start &+ UInt32(clamping: batchSize.current))
                    subscriptions = try await readBatch(wanted, block: report.block, report: &report)
                }
                let range = start..<(start + UInt32(subscriptions.count))
                // Before waiting for the last commit: the chain keeps reading meanwhile.
                keepReading(&ahead, from: range.upperBound, below: report.nextID, block: report.block)
                let stored = zip(range, subscriptions).compactMap { id, subscription in
                    subscription.exists ? StoredSubscription(id: id, subscription: subscription, syncedBlock: report.block) : nil
                }
                try await commit?.value
                let progress = SyncProgress(nextID: range.upperBound, headBlock: report.block)
                commit = Task { [store] in try await store.save(stored, progress: progress) }
                report.newSubscriptions += stored.count
                start = range.upperBound
                if lastLog.duration(to: clock.now) >= settings.progressLogInterval {
                    lastLog = clock.now
                    logger.info("subscription sync in progress", metadata: [
                        "read": "\(total - Int(report.nextID - start))", "of": "\(total)", "next_id": "\(start)",
                        "stored": "\(report.newSubscriptions)", "batch_size": "\(batchSize.current)",
                    ])
                }
            }
            try await commit?.value
        } catch {
            await Prefetch.abandon(ahead)
            _ = try? await commit?.value
            throw error
        }
        if total == 0 {
            try await store.saveProgress(SyncProgress(nextID: max(firstNew, start), headBlock: report.block))
        }
    }

    /// Starts reads until `ahead` holds the batch at `start` and `settings.readAhead` after it
    /// (none when reads are spaced by `sleepBetweenBatches`, or `readAhead` is 0).
    private func keepReading(_ ahead: inout [Prefetch], from start: UInt32, below end: UInt32, block: UInt64) {
        guard settings.readAhead > 0, settings.sleepBetweenBatches == .zero else { return }
        var from = ahead.last?.range.upperBound ?? start
        while ahead.count <= settings.readAhead, from < end {
            let next = from..<min(end, from &+ UInt32(clamping: batchSize.current))
            ahead.append(Prefetch(range: next, read: Task { [source] in try await source.subscriptions(next, block: block) }))
            from = next.upperBound
        }
    }

    /// A batch read started before the sync asked for it.
    private struct Prefetch {
        let range: Range<UInt32>
        let read: Task<[Subscription], any Error>

        /// The subscriptions, when this read starts at `start` (its size may differ from the
        /// batch size now: it was the size when the read began) and succeeded in full;
        /// otherwise nil (the sync reads again, with its error handling).
        func take(from start: UInt32) async -> [Subscription]? {
            guard let subscriptions = try? await read.value else { return nil }
            return range.lowerBound == start && subscriptions.count == range.count ? subscriptions : nil
        }

        /// Cancels reads no longer wanted and waits for them to end.
        static func abandon(_ reads: [Prefetch]) async {
            for prefetch in reads { prefetch.read.cancel() }
            for prefetch in reads { _ = try? await prefetch.read.value }
        }
    }

    /// Reads one range, halving the batch size (and reading a shorter prefix) on errors until it
    /// succeeds or the size is 1. Returns subscriptions for a prefix of `range` (maybe shorter).
    private func readBatch(_ range: Range<UInt32>, block: UInt64, report: inout SyncReport) async throws -> [Subscription] {
        var range = range
        while true {
            do {
                let subscriptions = try await source.subscriptions(range, block: block)
                guard subscriptions.count == range.count else {
                    throw SyncError.batchSizeMismatch(range: range, returned: subscriptions.count)
                }
                report.batches += 1
                batchSize.grow()
                return subscriptions
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                guard batchSize.shrink() else { throw error }
                report.batchSizeReductions += 1
                logger.notice("subscription batch read failed; halving the batch", metadata: [
                    "ids": "\(range.lowerBound)..<\(range.upperBound)", "batch_size": "\(batchSize.current)",
                    "error": "\(error)",
                ])
                range = range.lowerBound..<min(range.upperBound, range.lowerBound &+ UInt32(batchSize.current))
            }
        }
    }

    // MARK: Known subscriptions

    /// Re-reads stored subscriptions with ids below `limit` that may still become due for this
    /// node (served, not finished, not a one-shot request it has already settled), in Reader
    /// ranges no wider than the batch size, and stores those that changed.
    private func refreshKnown(below limit: UInt32, report: inout SyncReport) async throws {
        let live = try await store.deliverableSubscriptions(serving: { [lookup] in lookup?.serves($0) ?? true }).filter {
            $0.id < limit && !Schedule.isFinished($0.subscription, at: report.timestamp)
        }
        var index = 0
        while index < live.count {
            let first = live[index].id
            var end = index
            while end + 1 < live.count, Int(live[end + 1].id - first) < batchSize.current { end += 1 }
            var range = first..<(live[end].id + 1)
            var pending = Array(live[index...end])
            while !pending.isEmpty {
                let subscriptions = try await readBatch(range, block: report.block, report: &report)
                let read = range.lowerBound..<(range.lowerBound + UInt32(subscriptions.count))
                var changed: [StoredSubscription] = []
                for known in pending where read.contains(known.id) {
                    report.refreshed += 1
                    let current = subscriptions[Int(known.id - read.lowerBound)]
                    guard current != known.subscription, current.exists else { continue }
                    changed.append(StoredSubscription(id: known.id, subscription: current, syncedBlock: report.block))
                    if current.isCancelled { report.cancelled += 1 }
                }
                if !changed.isEmpty {
                    try await store.save(changed)
                    report.changed += changed.count
                }
                pending.removeAll { read.contains($0.id) }
                if let next = pending.first { range = next.id..<range.upperBound }
            }
            index = end + 1
        }
    }
}

public enum SyncError: Error, CustomStringConvertible {
    case batchSizeMismatch(range: Range<UInt32>, returned: Int)

    public var description: String {
        switch self {
        case .batchSizeMismatch(let range, let returned):
            "Reader returned \(returned) subscriptions for ids \(range.lowerBound)..<\(range.upperBound)"
        }
    }
}

extension SubscriptionSync where C == ContinuousClock {
    /// A sync on the continuous clock.
    public init(source: any SubscriptionSource, store: ChainStore, settings: SyncSettings, lookup: ContainerSetLookup? = nil,
                logger: Logger = Logger(label: "infernet.chain.sync")) {
        self.init(source: source, store: store, settings: settings, lookup: lookup, clock: ContinuousClock(), logger: logger)
    }
}

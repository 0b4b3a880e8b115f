import BusContract
import EVM
import InfernetSDK
import Foundation
import InfernetCore
import Logging

/// The delivery loop: every tick it reads the head, lets the transaction manager check its
/// transactions, finds the (subscription, interval) pairs due (`Schedule` plus the chain's
/// redundancy counts and this node's responses), and starts a delivery for each, at most
/// `concurrency` at once. All state is in `ChainStore`, so a restart picks up where it stopped.
public actor DeliveryScheduler {
    public let pipeline: DeliveryPipeline
    public let store: ChainStore
    public let concurrency: Int
    public let tickInterval: Duration
    /// A delivery that reverts (or whose containers fail) this many times is given up.
    public static let maxAttempts = 3
    private let logger: Logger
    private var inFlight: Set<IntervalKey> = []
    /// Failed deliveries wait before their next attempt (2 s, 4 s, …), in memory only: after a
    /// restart they are simply tried again.
    private var retryNotBefore: [IntervalKey: ContinuousClock.Instant] = [:]
    /// Pairs whose record is final (delivered, failed, skipped), so each tick need not read them.
    private var settled: Set<IntervalKey> = []
    private let extensions: [any DeliveryExtension]
    /// Payment receipts, stored with their delivery and re-sent until acknowledged.
    public let receipts: ReceiptOutbox

    public init(pipeline: DeliveryPipeline, store: ChainStore, concurrency: Int, tickInterval: Duration = .milliseconds(250),
                extensions: [any DeliveryExtension] = [], logger: Logger) {
        self.extensions = extensions
        self.pipeline = pipeline
        self.store = store
        self.concurrency = max(1, concurrency)
        self.tickInterval = tickInterval
        self.logger = logger
        self.receipts = ReceiptOutbox(store: store, payments: pipeline.payments, logger: logger)
    }

    public func run() async {
        await withDiscardingTaskGroup { group in
            group.addTask { [receipts] in await receipts.run() }
            await runTicks()
            group.cancelAll()
        }
    }

    private func runTicks() async {
        do {
            let reset = try await store.resetInterruptedDeliveries()
            if reset > 0 { logger.notice("deliveries interrupted by a restart will be retried", metadata: ["count": "\(reset)"]) }
        } catch {
            logger.error("cannot read the delivery records", metadata: ["error": "\(error)"])
        }
        var failures = 0
        while !Task.isCancelled {
            do {
                try await tick()
                if failures > 0 { logger.info("chain reachable again; deliveries resume") }
                failures = 0
            } catch is CancellationError {
                return
            } catch {
                failures += 1
                if failures == 1 || failures % 20 == 0 {
                    logger.warning("delivery tick failed; retrying", metadata: ["error": "\(error)", "failures": "\(failures)"])
                }
            }
            try? await Task.sleep(for: tickInterval)
        }
    }

    /// One pass: transactions, then due intervals.
    public func tick() async throws {
        let rpc = pipeline.chain.rpc
        let head = try await rpc.blockNumber()
        guard let block = try await rpc.block(.number(head)) else {
            throw RPCError.invalidResponse("head block \(head) not found", method: "eth_getBlockByNumber")
        }
        for event in try await pipeline.transactions.poll(head: head, headHash: block.hash) { try await apply(event) }
        for work in extensions { try await work.tick(head: head, timestamp: block.timestamp) }
        try await startDue(head: head, timestamp: block.timestamp)
    }

    // MARK: Due intervals

    private func startDue(head: UInt64, timestamp: UInt64) async throws {
        guard inFlight.count < concurrency else { return }
        let lookup = pipeline.chain.lookup
        let subscriptions = try await store.activeSubscriptions()
        let byID = Dictionary(subscriptions.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let now = ContinuousClock.now
        var candidates = Schedule.candidates(subscriptions, at: timestamp, lookup: lookup).filter {
            !inFlight.contains($0) && !settled.contains($0) && retryNotBefore[$0].map { $0 <= now } ?? true
        }
        guard !candidates.isEmpty else { return }
        let records = try await store.deliveryRecords(candidates)
        candidates = candidates.filter { key in
            guard let record = records[key] else { return true }
            if [.delivered, .failed, .skipped].contains(record.status) { settled.insert(key) }
            return record.status == .pending && record.attempts < Self.maxAttempts
        }
        guard !candidates.isEmpty else { return }
        let due = try await filterAnswered(candidates, subscriptions: byID, wanted: concurrency - inFlight.count)
        for key in due {
            guard let stored = byID[key.subscriptionID], let containers = lookup.chain(for: stored.subscription.containerID) else {
                continue
            }
            start(key, stored: stored, containers: containers, attempts: records[key]?.attempts ?? 0,
                  head: head, timestamp: timestamp)
        }
    }

    /// Up to `wanted` candidates that still need this node's answer, read in chunks so a large
    /// backlog costs no more reads per tick than there are free delivery slots. Candidates whose
    /// interval already has enough answers, or this node's, are recorded so they are not read again.
    private func filterAnswered(_ candidates: [IntervalKey], subscriptions: [UInt32: StoredSubscription],
                                wanted: Int) async throws -> [IntervalKey] {
        var due: [IntervalKey] = []
        var start = 0
        let chunkSize = max(32, wanted * 2)
        while due.count < wanted, start < candidates.count {
            let chunk = Array(candidates[start..<min(start + chunkSize, candidates.count)])
            start += chunk.count
            due += try await unanswered(chunk, subscriptions: subscriptions)
        }
        return Array(due.prefix(wanted))
    }

    private func unanswered(_ candidates: [IntervalKey], subscriptions: [UInt32: StoredSubscription]) async throws -> [IntervalKey] {
        let values = try await pipeline.chain.reader.redundancyCounts(candidates.map { ($0.subscriptionID, $0.interval) })
        let counts = Dictionary(zip(candidates, values), uniquingKeysWith: { first, _ in first })
        var open: [IntervalKey] = []
        for key in candidates {
            guard let stored = subscriptions[key.subscriptionID] else { continue }
            if counts[key, default: 0] >= stored.subscription.redundancy {
                try await store.saveDelivery(DeliveryRecord(subscriptionID: key.subscriptionID, interval: key.interval,
                                                            status: .skipped, error: "redundancy met"))
            } else {
                open.append(key)
            }
        }
        let coordinator = pipeline.chain.coordinator
        let node = pipeline.chain.node
        let responded = try await withThrowingTaskGroup(of: (IntervalKey, Bool).self) { group in
            for key in open {
                group.addTask {
                    (key, try await coordinator.nodeResponded(subscriptionID: key.subscriptionID, interval: key.interval, node: node))
                }
            }
            var answered: Set<IntervalKey> = []
            for try await (key, yes) in group where yes { answered.insert(key) }
            return answered
        }
        for key in responded {
            try await store.saveDelivery(DeliveryRecord(subscriptionID: key.subscriptionID, interval: key.interval,
                                                        status: .delivered, error: "answered on chain before"))
        }
        return open.filter { !responded.contains($0) }
    }

    private func start(_ key: IntervalKey, stored: StoredSubscription, containers: [String], attempts: Int,
                       head: UInt64, timestamp: UInt64) {
        inFlight.insert(key)
        let job = DeliveryPipeline.Job(
            jobID: "onchain-\(key.subscriptionID)-\(key.interval)-\(attempts)", subscriptionID: key.subscriptionID,
            subscription: stored.subscription, interval: key.interval, containers: containers,
            input: .consumer(timestamp: timestamp), link: .delivery(key),
            calldata: { [nodeWallet = pipeline.chain.nodeWallet] output in
                try CoordinatorContract.deliverComputeCalldata(subscriptionID: key.subscriptionID, interval: key.interval,
                                                               output: output, nodeWallet: nodeWallet)
            })
        Task {
            await self.deliver(job, key: key, attempts: attempts, head: head)
            self.finish(key)
        }
    }

    private func finish(_ key: IntervalKey) { inFlight.remove(key) }

    private func postpone(_ key: IntervalKey, attempts: Int) {
        retryNotBefore[key] = .now + .seconds(1 << min(max(attempts, 1), 6))
    }

    private func deliver(_ job: DeliveryPipeline.Job, key: IntervalKey, attempts: Int, head: UInt64) async {
        do {
            try await store.saveDelivery(DeliveryRecord(subscriptionID: key.subscriptionID, interval: key.interval,
                                                        status: .computing, attempts: attempts))
            let sent = try await pipeline.deliver(job, head: head)
            logger.info("delivery sent", metadata: ["subscription": "\(key)", "nonce": "\(sent.nonce)",
                                                    "hash": "\(sent.hash.hexString)"])
        } catch let error as DeliveryError {
            let failures = attempts + 1
            let final = error.isPermanent || failures >= Self.maxAttempts
            logger.warning(final ? "delivery dropped" : "delivery failed; will retry", metadata: [
                "subscription": "\(key)", "reason": "\(error)", "attempts": "\(failures)",
            ])
            let status: DeliveryStatus = if case .paymentRefused = error { .skipped } else { final ? .failed : .pending }
            await persist(DeliveryRecord(subscriptionID: key.subscriptionID, interval: key.interval,
                                         status: status, attempts: failures, error: error.description))
            if !final { postpone(key, attempts: failures) }
        } catch {
            // RPC or bus trouble: nothing was wrong with the delivery itself, so it costs no attempt.
            logger.notice("delivery postponed", metadata: ["subscription": "\(key)", "error": "\(error)"])
            await persist(DeliveryRecord(subscriptionID: key.subscriptionID, interval: key.interval,
                                         status: .pending, attempts: attempts, error: "\(error)"))
            postpone(key, attempts: 1)
        }
    }

    /// Writes a delivery's outcome, retrying a failed write (a busy or full disk) a few times:
    /// a record left `computing` would otherwise wait for the next restart.
    private func persist(_ record: DeliveryRecord) async {
        var attempt = 0
        while true {
            do {
                try await store.saveDelivery(record)
                return
            } catch {
                attempt += 1
                guard attempt < 5, !Task.isCancelled else {
                    logger.error("cannot store a delivery's outcome; it is retried after a restart", metadata: [
                        "subscription": "\(record.subscriptionID)", "interval": "\(record.interval)",
                        "status": "\(record.status.rawValue)", "error": "\(error)"])
                    return
                }
                try? await Task.sleep(for: .milliseconds(100 << attempt))
            }
        }
    }

    // MARK: Transaction outcomes

    private func apply(_ event: TransactionEvent) async throws {
        switch event.record.intent.link {
        case .none: return
        case .delegated:
            for work in extensions { try await work.apply(event) }
        case .delivery(let key):
            try await apply(event, to: key)
        }
    }

    private func apply(_ event: TransactionEvent, to key: IntervalKey) async throws {
        let previous = try await store.delivery(subscriptionID: key.subscriptionID, interval: key.interval)
        let attempts = previous?.attempts ?? 0
        let hash = event.record.hash.hexString
        var record = DeliveryRecord(subscriptionID: key.subscriptionID, interval: key.interval, status: .sent,
                                    transactionHash: hash, attempts: attempts)
        var receipt: DeliveryReceipt?
        switch event.kind {
        case .bumped, .final: return
        case .reorged: record.status = .sent
        case .dropped: record.status = .pending
        case .mined where event.record.succeeded == true:
            record.status = .delivered
            logger.info("delivery mined", metadata: ["subscription": "\(key)", "block": "\(event.record.minedBlock ?? 0)",
                                                     "hash": "\(hash)"])
            receipt = try await paymentReceipt(key, hash: hash)
        case .mined:
            record.attempts = attempts + 1
            record.status = record.attempts >= Self.maxAttempts ? .failed : .pending
            record.error = "transaction \(hash) reverted"
            postpone(key, attempts: record.attempts)
            logger.warning("delivery reverted", metadata: ["subscription": "\(key)", "attempts": "\(record.attempts)"])
        }
        // The receipt is stored with the delivery, in one commit, before anything is sent; the
        // outbox sends it until the payment worker acknowledges it.
        try await store.saveDelivery(record, receipt: receipt)
    }

    /// The receipt a mined delivery earns, or nil when the subscription pays nothing.
    private func paymentReceipt(_ key: IntervalKey, hash: String) async throws -> DeliveryReceipt? {
        guard let stored = try await store.subscription(id: key.subscriptionID),
              stored.subscription.paymentAmount > 0,
              let containers = pipeline.chain.lookup.chain(for: stored.subscription.containerID) else { return nil }
        return DeliveryReceipt(subscriptionID: key.subscriptionID, interval: key.interval, transactionHash: hash,
                               containers: containers, paymentToken: stored.subscription.paymentToken)
    }
}

/// Work the scheduler runs on each tick beside subscriptions (delegated subscriptions), and
/// which receives the outcomes of its own transactions.
public protocol DeliveryExtension: Sendable {
    func tick(head: UInt64, timestamp: UInt64) async throws
    func apply(_ event: TransactionEvent) async throws
}

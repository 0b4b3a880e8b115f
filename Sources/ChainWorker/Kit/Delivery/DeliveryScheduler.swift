import BusContract
import EVM
import InfernetSDK
import Foundation
import InfernetCore
import Logging

/// The delivery loop: every tick it reads the head, lets the transaction manager check its
/// transactions, finds the (subscription, interval) pairs due (`Schedule` plus the chain's
/// redundancy counts and this node's responses), keeps up to `readyLimit` of them ready, and
/// starts them, at most `concurrency` at once; each delivery that ends starts the next ready one
/// at once instead of leaving its slot empty until the next tick (issue 14: 500 due at once).
/// All state is in `ChainStore`, so a restart picks up where it stopped.
/// Attempts, back-off and what a transaction event means are `DeliveryStateMachine`'s; this
/// actor reads and writes the store, runs the pipeline and keeps time with `clock`.
public actor DeliveryScheduler<C: Clock> where C.Duration == Duration {
    public let pipeline: DeliveryPipeline
    public let store: ChainStore
    public let concurrency: Int
    public let tickInterval: Duration
    private let clock: C
    private let logger: Logger
    /// In flight, waiting out a back-off, settled: in memory only, so after a restart every
    /// delivery not final in the store is simply tried again.
    private var machine: DeliveryStateMachine<IntervalKey, C.Instant>
    /// The deliveries under way, children of `run()`.
    private let deliveries = ChildTasks()
    private let extensions: [any DeliveryExtension]
    /// Payment receipts, stored with their delivery and re-sent until acknowledged.
    public let receipts: ReceiptOutbox
    /// How many due intervals a tick checks against the chain and keeps ready: enough to refill
    /// the free slots until the next tick (deliveries take milliseconds, ticks are 250 ms apart).
    public let readyLimit: Int
    /// Due intervals checked at the last tick and not started yet, in order.
    private var ready: [Ready] = []
    /// Ends the pause before the next tick early (`wake()`).
    private let wakeup = Wakeup()

    struct Head: Sendable, Equatable {
        var number: UInt64
        var hash: Data
        var timestamp: UInt64
    }

    struct Ready: Sendable {
        var key: IntervalKey
        var stored: StoredSubscription
        var containers: [String]
        var attempts: Int
        var head: Head
    }

    public init(pipeline: DeliveryPipeline, store: ChainStore, concurrency: Int, tickInterval: Duration = .milliseconds(250),
                rule: DeliveryRule = DeliveryRule(), clock: C, extensions: [any DeliveryExtension] = [], logger: Logger) {
        self.extensions = extensions
        self.pipeline = pipeline
        self.store = store
        self.concurrency = max(1, concurrency)
        readyLimit = max(64, self.concurrency * 8)
        self.tickInterval = tickInterval
        self.clock = clock
        self.machine = DeliveryStateMachine(rule: rule)
        self.logger = logger
        self.receipts = ReceiptOutbox(store: store, payments: pipeline.payments, logger: logger)
    }

    /// Ticks until cancelled; the receipt outbox, the extensions and every delivery started run
    /// as child tasks and are cancelled with it.
    public func run() async {
        await withDiscardingTaskGroup { group in
            group.addTask { [receipts, clock] in await receipts.run(clock: clock) }
            group.addTask { [deliveries] in await deliveries.run() }
            for work in extensions { group.addTask { await work.run() } }
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
            await wakeup.wait(upTo: tickInterval, clock: clock)
        }
    }

    /// Ticks now instead of at the end of the pause (or, during a tick, right after it): the
    /// sync stored new subscriptions, so a request is started as soon as the node knows it
    /// rather than up to `tickInterval` later.
    public nonisolated func wake() { wakeup.ring() }

    /// One pass: transactions, then due intervals. The head (number, hash, timestamp) is one
    /// `eth_getBlockByNumber("latest")`.
    public func tick() async throws {
        guard let block = try await pipeline.chain.rpc.block(.latest) else {
            throw RPCError.invalidResponse("no latest block", method: "eth_getBlockByNumber")
        }
        let head = Head(number: block.number, hash: block.hash, timestamp: block.timestamp)
        for event in try await pipeline.transactions.poll(head: head.number, headHash: head.hash) { try await apply(event) }
        for work in extensions { try await work.tick(head: head.number, timestamp: head.timestamp) }
        try await findDue(head: head)
        startReady()
    }

    // MARK: Due intervals

    /// Rebuilds `ready`: up to `readyLimit` due intervals, checked against the chain at `head`.
    private func findDue(head: Head) async throws {
        let lookup = pipeline.chain.lookup
        let subscriptions = try await store.deliverableSubscriptions(serving: { lookup.serves($0) })
        let byID = Dictionary(subscriptions.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var candidates = Schedule.candidates(subscriptions, at: head.timestamp, lookup: lookup).filter {
            machine.isCandidate($0, at: clock.now)
        }
        guard !candidates.isEmpty else {
            ready = []
            return
        }
        let records = try await store.deliveryRecords(candidates)
        candidates = candidates.filter { key in
            machine.admits(key, status: records[key]?.status, attempts: records[key]?.attempts ?? 0)
        }
        let due = try await filterAnswered(candidates, subscriptions: byID, wanted: readyLimit)
        // Deliveries that started or finished while this tick read the chain are not ready again.
        let now = clock.now
        ready = due.compactMap { key in
            guard machine.isCandidate(key, at: now), let stored = byID[key.subscriptionID],
                  let containers = lookup.chain(for: stored.subscription.containerID) else { return nil }
            return Ready(key: key, stored: stored, containers: containers, attempts: records[key]?.attempts ?? 0,
                         head: head)
        }
    }

    /// Starts ready deliveries while there are free slots: on every tick, and each time a
    /// delivery ends, so a free slot does not wait for the next tick.
    private func startReady() {
        let now = clock.now
        while machine.inFlight.count < concurrency, !ready.isEmpty {
            let next = ready.removeFirst()
            guard machine.isCandidate(next.key, at: now) else { continue }
            start(next.key, stored: next.stored, containers: next.containers, attempts: next.attempts,
                  head: next.head.number, timestamp: next.head.timestamp)
        }
    }

    /// Up to `wanted` candidates that still need this node's answer, read in chunks so a large
    /// backlog costs no more reads per tick than needed. Candidates whose interval already has
    /// enough answers, or this node's, are recorded so they are not read again.
    private func filterAnswered(_ candidates: [IntervalKey], subscriptions: [UInt32: StoredSubscription],
                                wanted: Int) async throws -> [IntervalKey] {
        var due: [IntervalKey] = []
        var start = 0
        while due.count < wanted, start < candidates.count {
            let chunk = Array(candidates[start..<min(start + wanted, candidates.count)])
            start += chunk.count
            due += try await unanswered(chunk, subscriptions: subscriptions)
        }
        return Array(due.prefix(wanted))
    }

    private func unanswered(_ candidates: [IntervalKey], subscriptions: [UInt32: StoredSubscription]) async throws -> [IntervalKey] {
        let values = try await pipeline.chain.reader.redundancyCounts(candidates.map { ($0.subscriptionID, $0.interval) })
        let counts = Dictionary(zip(candidates, values), uniquingKeysWith: { first, _ in first })
        var open: [IntervalKey] = []
        var toAsk: [IntervalKey] = []
        for key in candidates {
            guard let stored = subscriptions[key.subscriptionID] else { continue }
            let count = counts[key, default: 0]
            if count >= stored.subscription.redundancy {
                try await store.saveDelivery(DeliveryRecord(subscriptionID: key.subscriptionID, interval: key.interval,
                                                            status: .skipped, error: "redundancy met"))
            } else {
                open.append(key)
                if Schedule.mayHaveResponded(redundancyCount: count) { toAsk.append(key) }
            }
        }
        let coordinator = pipeline.chain.coordinator
        let node = pipeline.chain.node
        let responded = try await withThrowingTaskGroup(of: (IntervalKey, Bool).self) { group in
            for key in toAsk {
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
        let job = DeliveryPipeline.Job(
            jobID: "onchain-\(key.subscriptionID)-\(key.interval)-\(attempts)", subscriptionID: key.subscriptionID,
            subscription: stored.subscription, interval: key.interval, containers: containers,
            input: .consumer(timestamp: timestamp), link: .delivery(key),
            calldata: { [nodeWallet = pipeline.chain.nodeWallet] output in
                try CoordinatorContract.deliverComputeCalldata(subscriptionID: key.subscriptionID, interval: key.interval,
                                                               output: output, nodeWallet: nodeWallet)
            })
        let computing = machine.start(key, attempts: attempts)
        deliveries.spawn { await self.deliver(job, key: key, computing: computing, head: head) }
    }

    private func deliver(_ job: DeliveryPipeline.Job, key: IntervalKey, computing: DeliveryDecision, head: UInt64) async {
        let outcome: DeliveryOutcome
        do {
            try await store.saveDelivery(record(key, computing))
            let sent = try await pipeline.deliver(job, head: head)
            logger.info("delivery sent", metadata: ["subscription": "\(key)", "nonce": "\(sent.nonce)",
                                                    "hash": "\(sent.hash.hexString)"])
            outcome = .sent(transactionHash: sent.hash.hexString)
        } catch let error as DeliveryError {
            outcome = .failed(error)
        } catch {
            outcome = .unreachable("\(error)")
        }
        let decision = machine.finish(key, attempts: computing.attempts, outcome: outcome, at: clock.now)
        startReady()
        switch outcome {
        case .sent:
            // The pipeline stored the delivery as `sent` with its transaction, in one commit.
            return
        case .failed(let error):
            logger.warning(decision.status == .pending ? "delivery failed; will retry" : "delivery dropped", metadata: [
                "subscription": "\(key)", "reason": "\(error)", "attempts": "\(decision.attempts)",
            ])
        case .unreachable(let reason):
            logger.notice("delivery postponed", metadata: ["subscription": "\(key)", "error": "\(reason)"])
        }
        await persist(record(key, decision))
    }

    private func record(_ key: IntervalKey, _ decision: DeliveryDecision) -> DeliveryRecord {
        DeliveryRecord(subscriptionID: key.subscriptionID, interval: key.interval, status: decision.status,
                       transactionHash: decision.transactionHash, attempts: decision.attempts, error: decision.error)
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
                try? await clock.sleep(for: .milliseconds(100 << attempt))
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
        let hash = event.record.hash.hexString
        guard let decision = machine.apply(event.kind, succeeded: event.record.succeeded, transactionHash: hash, to: key,
                                           attempts: previous?.attempts ?? 0, at: clock.now) else { return }
        var receipt: DeliveryReceipt?
        switch decision.status {
        case .delivered:
            logger.info("delivery mined", metadata: ["subscription": "\(key)", "block": "\(event.record.minedBlock ?? 0)",
                                                     "hash": "\(hash)"])
            receipt = try await paymentReceipt(key, hash: hash)
        case .pending where event.kind == .mined, .failed:
            logger.warning("delivery reverted", metadata: ["subscription": "\(key)", "attempts": "\(decision.attempts)"])
        default: break
        }
        // The receipt is stored with the delivery, in one commit, before anything is sent; the
        // outbox sends it until the payment worker acknowledges it.
        try await store.saveDelivery(record(key, decision), receipt: receipt)
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
    /// Runs the extension's own deliveries until cancelled (a child task of the scheduler's `run()`).
    func run() async
    func tick(head: UInt64, timestamp: UInt64) async throws
    func apply(_ event: TransactionEvent) async throws
}

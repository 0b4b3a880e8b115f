import BusContract
import BigInt
import EVM
import InfernetSDK
import Foundation
import InfernetCore
import Logging

/// Delivers delegated subscriptions (accepted by the gateway, signature checked) with
/// `deliverComputeDelegatee`, which creates the subscription and delivers its first interval in
/// one transaction. Once created on chain (by this node or anyone) the subscription is an
/// ordinary one and the scheduler's subscription path serves its later intervals. Attempts,
/// back-off and transaction events follow the same `DeliveryStateMachine` as subscriptions.
public actor DelegatedDeliveries<C: Clock>: DeliveryExtension where C.Duration == Duration {
    let pipeline: DeliveryPipeline
    let store: ChainStore
    private let clock: C
    private let logger: Logger
    private var machine: DeliveryStateMachine<String, C.Instant>
    /// The deliveries under way, children of `run()`.
    private let deliveries = ChildTasks()

    public init(pipeline: DeliveryPipeline, store: ChainStore, rule: DeliveryRule = DeliveryRule(), clock: C, logger: Logger) {
        self.pipeline = pipeline
        self.store = store
        self.clock = clock
        self.machine = DeliveryStateMachine(rule: rule)
        self.logger = logger
    }

    /// Runs the deliveries `tick` starts until cancelled (the scheduler's `run()` owns this).
    public func run() async {
        await deliveries.run()
    }

    public func tick(head: UInt64, timestamp: UInt64) async throws {
        let now = clock.now
        for record in try await store.delegatedRecords(status: [.pending]) where machine.isCandidate(record.key, at: now) {
            guard machine.admits(record.key, status: .pending, attempts: record.attempts) else { continue }
            try await consider(record, head: head, timestamp: timestamp)
        }
    }

    private func consider(_ record: DelegatedRecord, head: UInt64, timestamp: UInt64) async throws {
        let message = record.message
        let subscription = message.subscription
        let signature: Signature
        do {
            signature = try Signature(r: message.r, s: message.s, v: UInt64(message.v))
        } catch {
            try await store.updateDelegated(key: record.key, status: .failed, attempts: record.attempts,
                                            error: "malformed delegated subscription: \(error)")
            return
        }
        let created = try await pipeline.chain.coordinator.delegateCreatedID(owner: subscription.owner, nonce: message.nonce)
        if created != 0 {
            try await store.updateDelegated(key: record.key, status: .created, attempts: record.attempts,
                                            error: "created on chain as subscription \(created)")
            return
        }
        guard timestamp < UInt64(message.expiry) else {
            try await store.updateDelegated(key: record.key, status: .failed, attempts: record.attempts,
                                            error: "signature expired before the subscription became active")
            return
        }
        guard let interval = subscription.interval(at: timestamp) else { return }  // not active yet
        guard interval <= subscription.frequency else {
            try await store.updateDelegated(key: record.key, status: .failed, attempts: record.attempts,
                                            error: "subscription completed")
            return
        }
        let delegate = DelegateSignature(nonce: message.nonce, expiry: message.expiry, signature: signature)
        let job = DeliveryPipeline.Job(
            jobID: "\(record.key)-\(record.attempts)", subscriptionID: 0, subscription: subscription, interval: interval,
            containers: message.containers, input: .offchain(message.data), link: .delegated(record.key),
            calldata: { [nodeWallet = pipeline.chain.nodeWallet] output in
                try CoordinatorContract.deliverComputeDelegateeCalldata(
                    delegate: delegate, subscription: subscription, interval: interval, output: output, nodeWallet: nodeWallet)
            })
        let computing = machine.start(record.key, attempts: record.attempts)
        deliveries.spawn { await self.deliver(job, key: record.key, computing: computing, head: head) }
    }

    private func deliver(_ job: DeliveryPipeline.Job, key: String, computing: DeliveryDecision, head: UInt64) async {
        let outcome: DeliveryOutcome
        do {
            try await store.updateDelegated(key: key, status: .computing, attempts: computing.attempts)
            let sent = try await pipeline.deliver(job, head: head)
            outcome = .sent(transactionHash: sent.hash.hexString)
        } catch let error as DeliveryError {
            logger.warning("delegated delivery failed", metadata: ["key": "\(key)", "reason": "\(error)"])
            outcome = .failed(error)
        } catch {
            outcome = .unreachable("\(error)")
        }
        let decision = machine.finish(key, attempts: computing.attempts, outcome: outcome, at: clock.now)
        await persist(key, decision)
    }

    /// Writes an outcome, retrying a failed write a few times so a record is not left
    /// `computing` until the next restart; a write that keeps failing is logged.
    private func persist(_ key: String, _ decision: DeliveryDecision) async {
        for attempt in 1...5 {
            do {
                try await store.updateDelegated(key: key, status: DelegatedRecord.Status(decision.status), attempts: decision.attempts,
                                                transactionHash: decision.transactionHash, error: decision.error)
                return
            } catch {
                if attempt == 5 || Task.isCancelled {
                    logger.error("cannot store a delegated delivery's outcome; it is retried after a restart",
                                 metadata: ["key": "\(key)", "error": "\(error)"])
                    return
                }
                try? await clock.sleep(for: .milliseconds(100 << attempt))
            }
        }
    }

    public func apply(_ event: TransactionEvent) async throws {
        guard case .delegated(let key) = event.record.intent.link,
              let record = try await store.delegatedRecord(key: key) else { return }
        let hash = event.record.hash.hexString
        guard let decision = machine.apply(event.kind, succeeded: event.record.succeeded, transactionHash: hash, to: key,
                                           attempts: record.attempts, at: clock.now) else { return }
        if decision.status == .delivered {
            logger.info("delegated subscription delivered", metadata: ["key": "\(key)", "hash": "\(hash)"])
        }
        try await store.updateDelegated(key: key, status: DelegatedRecord.Status(decision.status), attempts: decision.attempts,
                                        transactionHash: decision.transactionHash, error: decision.error)
    }
}

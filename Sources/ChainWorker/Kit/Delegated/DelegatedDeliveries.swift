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
/// ordinary one and the scheduler's subscription path serves its later intervals.
public actor DelegatedDeliveries: DeliveryExtension {
    let pipeline: DeliveryPipeline
    let store: ChainStore
    private let logger: Logger
    private var inFlight: Set<String> = []

    public init(pipeline: DeliveryPipeline, store: ChainStore, logger: Logger) {
        self.pipeline = pipeline
        self.store = store
        self.logger = logger
    }

    public func tick(head: UInt64, timestamp: UInt64) async throws {
        for record in try await store.delegatedRecords(status: [.pending]) where !inFlight.contains(record.key) {
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
        inFlight.insert(record.key)
        Task {
            await self.deliver(job, record: record, head: head)
            self.finish(record.key)
        }
    }

    private func finish(_ key: String) { inFlight.remove(key) }

    private func deliver(_ job: DeliveryPipeline.Job, record: DelegatedRecord, head: UInt64) async {
        do {
            try await store.updateDelegated(key: record.key, status: .computing, attempts: record.attempts)
            let sent = try await pipeline.deliver(job, head: head)
            try await store.updateDelegated(key: record.key, status: .sent, attempts: record.attempts,
                                            transactionHash: sent.hash.hexString)
        } catch let error as DeliveryError {
            let failures = record.attempts + 1
            let final = error.isPermanent || failures >= DeliveryScheduler.maxAttempts
            logger.warning("delegated delivery failed", metadata: ["key": "\(record.key)", "reason": "\(error)"])
            await persist(record.key, status: final ? .failed : .pending, attempts: failures, error: error.description)
        } catch {
            await persist(record.key, status: .pending, attempts: record.attempts, error: "\(error)")
        }
    }

    /// Writes an outcome, retrying a failed write a few times so a record is not left
    /// `computing` until the next restart; a write that keeps failing is logged.
    private func persist(_ key: String, status: DelegatedRecord.Status, attempts: Int, error message: String) async {
        for attempt in 1...5 {
            do {
                try await store.updateDelegated(key: key, status: status, attempts: attempts, error: message)
                return
            } catch {
                if attempt == 5 || Task.isCancelled {
                    logger.error("cannot store a delegated delivery's outcome; it is retried after a restart",
                                 metadata: ["key": "\(key)", "error": "\(error)"])
                    return
                }
                try? await Task.sleep(for: .milliseconds(100 << attempt))
            }
        }
    }

    public func apply(_ event: TransactionEvent) async throws {
        guard case .delegated(let key) = event.record.intent.link,
              let record = try await store.delegatedRecord(key: key) else { return }
        let hash = event.record.hash.hexString
        switch event.kind {
        case .bumped, .final: return
        case .reorged: try await store.updateDelegated(key: key, status: .sent, attempts: record.attempts, transactionHash: hash)
        case .dropped: try await store.updateDelegated(key: key, status: .pending, attempts: record.attempts)
        case .mined where event.record.succeeded == true:
            logger.info("delegated subscription delivered", metadata: ["key": "\(key)", "hash": "\(hash)"])
            try await store.updateDelegated(key: key, status: .delivered, attempts: record.attempts, transactionHash: hash)
        case .mined:
            let failures = record.attempts + 1
            try await store.updateDelegated(key: key, status: failures >= DeliveryScheduler.maxAttempts ? .failed : .pending,
                                            attempts: failures, transactionHash: hash, error: "transaction \(hash) reverted")
        }
    }
}

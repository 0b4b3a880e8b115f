import BigInt
import EVM
import Foundation
import Logging

/// What the chain does the transaction manager needs; the JSON-RPC client in production.
public protocol TransactionChain: Sendable {
    func chainID() async throws -> UInt64
    func transactionCount(_ address: Address, block: BlockTag) async throws -> UInt64
    func feeHistory(blockCount: UInt64, newest: BlockTag, rewardPercentiles: [Double]) async throws -> FeeHistory
    func maxPriorityFeePerGas() async throws -> BigUInt
    func sendRawTransaction(_ raw: Data) async throws -> Data
    /// Several signed transactions in one request, in order; one result per transaction.
    func sendRawTransactions(_ raws: [Data]) async throws -> [Result<Data, RPCError>]
    func transactionReceipt(_ hash: Data) async throws -> TransactionReceipt?
    func transactionReceipts(_ hashes: [Data]) async throws -> [TransactionReceipt?]
    func block(_ tag: BlockTag) async throws -> Block?
}

extension JSONRPCClient: TransactionChain {}

/// The transaction manager's settings (`node.max_fee_per_gas_gwei`, `fee_bump_blocks`, `confirmations`).
public struct TransactionSettings: Sendable, Equatable {
    public var fees: FeePolicy
    public var bumpAfterBlocks: UInt64
    public var confirmations: UInt64

    public init(fees: FeePolicy = FeePolicy(ceilingGwei: 500), bumpAfterBlocks: UInt64 = 3, confirmations: UInt64 = 4) {
        self.fees = fees
        self.bumpAfterBlocks = bumpAfterBlocks
        self.confirmations = confirmations
    }
}

/// Something that happened to one of the node's transactions during `poll`.
public struct TransactionEvent: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case mined, final, reorged, dropped, bumped
    }

    public var kind: Kind
    public var record: TransactionRecord
}

public enum TransactionManagerError: Error, CustomStringConvertible {
    case rejected(String)
    case unknownNonce(UInt64)

    public var description: String {
        switch self {
        case .rejected(let reason): "the chain refused the transaction: \(reason)"
        case .unknownNonce(let nonce): "no transaction with nonce \(nonce)"
        }
    }
}

/// The node's one signer. Nonces are assigned here and persisted with the signed transaction
/// before it is broadcast, so a crash never reuses or skips one; unmined transactions are
/// re-sent with higher fees after `bumpAfterBlocks`; mined ones are watched until
/// `confirmations` deep and re-sent if their block is reorganised away.
public actor TransactionManager {
    public nonisolated let address: Address
    private let key: PrivateKey
    private let chain: any TransactionChain
    let store: ChainStore
    private let settings: TransactionSettings
    private let logger: Logger
    private var chainID: UInt64?
    private var nextNonce: UInt64 = 0
    /// The head block hash of the last full poll: receipts, reorgs and bumps can only change
    /// with a new head, so polls at the same head do nothing.
    private var polledHeadHash: Data?
    /// Per poll: receipts of pending transactions (one batch), canonical block hashes, the
    /// account's mined nonce.
    private var pollReceipts: [Data: TransactionReceipt] = [:]
    private var pollBlockHashes: [UInt64: Data?] = [:]
    private var pollMinedNonce: UInt64?
    /// Whether the account's queue is moving, for fee bumps.
    private var bumpRule: FeeBumpRule
    /// Fees read at one head serve every transaction sent at that head.
    private var feeCache: (head: UInt64, fees: FeePolicy.Fees)?
    /// Sends asked for while a group is being sent, in order; the first of them sends the next
    /// group (`send`).
    private let sends = LeaderQueue<(intent: TransactionIntent, head: UInt64), TransactionRecord>(maxGroupSize: maxGroupSize)
    /// Most transactions signed, committed and broadcast together (one JSON-RPC batch).
    public static let maxGroupSize = 50

    private var waiters: [UInt64: [CheckedContinuation<TransactionRecord, any Error>]] = [:]

    public init(key: PrivateKey, chain: any TransactionChain, store: ChainStore, settings: TransactionSettings,
                logger: Logger = Logger(label: "infernet.chain.tx")) {
        self.key = key
        address = key.address
        self.chain = chain
        self.store = store
        self.settings = settings
        self.logger = logger
        bumpRule = FeeBumpRule(afterBlocks: settings.bumpAfterBlocks)
    }

    /// Reads the chain id and settles the next nonce: the larger of the saved one and the
    /// chain's pending count; then re-broadcasts pending transactions a crash may have left unsent.
    public func start() async throws {
        chainID = try await chain.chainID()
        let onChain = try await chain.transactionCount(address, block: .pending)
        let saved = try await store.savedNextNonce(for: address) ?? 0
        nextNonce = max(onChain, saved)
        try await store.saveNextNonce(nextNonce, for: address)
        for record in try await store.openTransactions() where record.status == .pending {
            await broadcast(record)
        }
        logger.info("transaction manager ready", metadata: ["address": "\(address)", "next_nonce": "\(nextNonce)"])
    }

    /// Signs `intent` with the next nonce, persists it, and broadcasts it. A transport failure
    /// leaves it pending (re-sent by `poll`); a refusal by the chain releases the nonce and throws.
    ///
    /// One group at a time: nonce assignment and the broadcast must not interleave. Sends asked
    /// for while a group is out wait, and the first of them then sends all that waited as one
    /// group: consecutive nonces, one commit, one JSON-RPC batch in nonce order (`sendGroup`).
    /// Under load this is one round trip per group instead of one per transaction in a queue.
    public func send(_ intent: TransactionIntent, head: UInt64) async throws -> TransactionRecord {
        try await sends.submit((intent, head)) { group in await sendGroup(group) }
    }

    /// Sends one group; a group of one is sent as before (with the nonce-too-low retry).
    private func sendGroup(_ group: [(intent: TransactionIntent, head: UInt64)]) async -> [Result<TransactionRecord, any Error>] {
        if group.count == 1 {
            do { return [.success(try await sendSerially(group[0].intent, head: group[0].head))] } catch { return [.failure(error)] }
        }
        var records: [TransactionRecord] = []
        do {
            if chainID == nil { try await start() }
            let fees = try await currentFees(head: group.map(\.head).max() ?? 0)
            for (offset, item) in group.enumerated() {
                records.append(try sign(item.intent, nonce: nextNonce + UInt64(offset), fees: fees, head: item.head, attempts: 1))
            }
            try await store.insert(records, signer: address)
            nextNonce += UInt64(records.count)
        } catch {
            return group.map { _ in .failure(error) }
        }
        let replies: [Result<Data, RPCError>]
        do {
            replies = try await chain.sendRawTransactions(records.map(\.raw))
        } catch {
            logger.warning("broadcast failed; the transactions stay pending and are re-sent",
                           metadata: ["nonces": "\(records[0].nonce)...\(records[records.count - 1].nonce)", "error": "\(error)"])
            return records.map { .success($0) }
        }
        let refusals: [RPCError?] = records.indices.map { index in
            guard index < replies.count, case .failure(let error) = replies[index], Self.isRefusal(error) else { return nil }
            return error
        }
        let released = GroupBroadcast.releasedFrom(refused: refusals.map { $0 != nil })
        var results: [Result<TransactionRecord, any Error>] = records.map { .success($0) }
        do {
            // Refusals at the end give their nonces back, last first (nothing later was taken).
            for index in (released..<records.count).reversed() {
                let error = refusals[index].map { "\($0)" } ?? "refused"
                try await releaseNonce(of: &records[index], reason: error)
                results[index] = .failure(TransactionManagerError.rejected(error))
            }
            if refusals.contains(where: { $0.map(Self.isNonceTooLow) ?? false }) {
                // Another sender used these nonces: continue after the chain's count.
                nextNonce = max(nextNonce, try await chain.transactionCount(address, block: .pending))
                try await store.saveNextNonce(nextNonce, for: address)
            }
        } catch {
            for index in released..<records.count { results[index] = .failure(error) }
        }
        for index in 0..<released where refusals[index] != nil {
            // A later nonce was taken: this one stays pending and is re-sent, so no gap opens.
            logger.warning("the chain refused a transaction of a group; it stays pending and is re-sent",
                           metadata: ["nonce": "\(records[index].nonce)", "error": "\(refusals[index].map { "\($0)" } ?? "")"])
        }
        for record in records[..<released] {
            logger.info("transaction sent", metadata: [
                "nonce": "\(record.nonce)", "hash": "\(record.hash.hexString)", "purpose": "\(record.intent.purpose)",
                "fees": "\(record.fees)",
            ])
        }
        return results
    }

    private func sendSerially(_ intent: TransactionIntent, head: UInt64) async throws -> TransactionRecord {
        if chainID == nil { try await start() }
        let fees = try await currentFees(head: head)
        var record = try sign(intent, nonce: nextNonce, fees: fees, head: head, attempts: 1)
        try await store.insert(record, signer: address)
        nextNonce += 1
        do {
            _ = try await chain.sendRawTransaction(record.raw)
        } catch let error as RPCError where Self.isRefusal(error) {
            if Self.isNonceTooLow(error) {
                // Another sender used this nonce (e.g. the operator's CLI): re-read and retry once.
                try await releaseNonce(of: &record, reason: "\(error)")
                nextNonce = max(nextNonce, try await chain.transactionCount(address, block: .pending))
                try await store.saveNextNonce(nextNonce, for: address)
                record = try sign(intent, nonce: nextNonce, fees: fees, head: head, attempts: 1)
                try await store.insert(record, signer: address)
                nextNonce += 1
                _ = try await chain.sendRawTransaction(record.raw)
            } else {
                try await releaseNonce(of: &record, reason: "\(error)")
                throw TransactionManagerError.rejected("\(error)")
            }
        } catch {
            logger.warning("broadcast failed; the transaction stays pending and is re-sent",
                           metadata: ["nonce": "\(record.nonce)", "error": "\(error)"])
        }
        logger.info("transaction sent", metadata: [
            "nonce": "\(record.nonce)", "hash": "\(record.hash.hexString)", "purpose": "\(intent.purpose)", "fees": "\(fees)",
        ])
        return record
    }

    /// Waits until the transaction with `nonce` is mined (or dropped), returning its record.
    public func waitUntilMined(nonce: UInt64) async throws -> TransactionRecord {
        if let record = try await store.transaction(nonce: nonce), record.status != .pending { return record }
        return try await withCheckedThrowingContinuation { waiters[nonce, default: []].append($0) }
    }

    /// Checks every open transaction against the chain at `head` (whose hash, when given, lets
    /// a poll at an unchanged head return at once); returns what changed.
    public func poll(head: UInt64, headHash: Data? = nil) async throws -> [TransactionEvent] {
        if let headHash, headHash == polledHeadHash { return [] }
        let open = try await store.openTransactions()
        try await preparePoll(open, head: head)
        var events: [TransactionEvent] = []
        for record in open {
            if let event = try await check(record, head: head) {
                events.append(event)
                if event.kind != .bumped { resumeWaiters(event.record) }
            }
        }
        polledHeadHash = headHash
        return events
    }

    private func preparePoll(_ open: [TransactionRecord], head: UInt64) async throws {
        pollBlockHashes = [:]
        pollMinedNonce = nil
        pollReceipts = [:]
        let pending = open.filter { $0.status == .pending }
        guard !pending.isEmpty else { return }
        // The account's mined nonce first, then receipts, and only of transactions it says are
        // mined (`ReceiptQuery`): a transaction mined after this read is seen next poll, one mined
        // before it has its receipt visible to the reads below.
        let mined = try await minedNonce()
        bumpRule.observe(minedNonce: mined, head: head)
        let wanted = ReceiptQuery.hashesToRead(pending: pending.map { ($0.nonce, $0.hash) }, minedNonce: mined)
        let receipts = try await chain.transactionReceipts(wanted)
        pollReceipts = Dictionary(zip(wanted, receipts).compactMap { hash, receipt in receipt.map { (hash, $0) } },
                                  uniquingKeysWith: { first, _ in first })
    }

    private func receipt(_ hash: Data, latest: Bool) async throws -> TransactionReceipt? {
        if let receipt = pollReceipts[hash] { return receipt }
        return latest ? nil : try await chain.transactionReceipt(hash)
    }

    private func canonicalHash(_ number: UInt64) async throws -> Data? {
        if let cached = pollBlockHashes[number] { return cached }
        let hash = try await chain.block(.number(number))?.hash
        pollBlockHashes[number] = hash
        return hash
    }

    private func minedNonce() async throws -> UInt64 {
        if let pollMinedNonce { return pollMinedNonce }
        let nonce = try await chain.transactionCount(address, block: .latest)
        pollMinedNonce = nonce
        return nonce
    }

    // MARK: Checking one transaction

    private func check(_ record: TransactionRecord, head: UInt64) async throws -> TransactionEvent? {
        switch record.status {
        case .pending: try await checkPending(record, head: head)
        case .mined: try await checkMined(record, head: head)
        case .final, .dropped: nil
        }
    }

    private func checkPending(_ record: TransactionRecord, head: UInt64) async throws -> TransactionEvent? {
        var record = record
        // The latest attempt's receipt came in the poll's batch; earlier attempts (a bump's
        // predecessor may be the one mined) are asked only once the nonce is used.
        var hashes = [record.hash]
        if try await minedNonce() > record.nonce {
            hashes += (try await store.attemptHashes(nonce: record.nonce)).filter { $0 != record.hash }
        }
        for hash in hashes {
            guard let receipt = try await receipt(hash, latest: hash == record.hash) else { continue }
            record.status = .mined
            record.hash = hash
            record.minedBlock = receipt.blockNumber
            record.minedBlockHash = receipt.blockHash
            record.succeeded = receipt.succeeded
            try await store.update(record)
            return TransactionEvent(kind: .mined, record: record)
        }
        if try await minedNonce() > record.nonce {
            record.status = .dropped
            try await store.update(record, attemptNote: "nonce used by another transaction")
            logger.warning("transaction dropped: its nonce was used by another transaction of this account",
                           metadata: ["nonce": "\(record.nonce)", "purpose": "\(record.intent.purpose)"])
            return TransactionEvent(kind: .dropped, record: record)
        }
        guard bumpRule.isDue(sentBlock: record.sentBlock, head: head) else { return nil }
        return try await bump(record, head: head)
    }

    private func bump(_ record: TransactionRecord, head: UInt64) async throws -> TransactionEvent? {
        let current = try await currentFees(head: head)
        guard let fees = settings.fees.bumped(record.fees, current: current) else {
            // At the fee ceiling: keep the transaction as it is and make sure the chain has it.
            var waiting = record
            waiting.sentBlock = head
            try await store.update(waiting)
            await broadcast(waiting)
            logger.warning("transaction not mined and the fee ceiling leaves no room to bump it",
                           metadata: ["nonce": "\(record.nonce)", "fees": "\(record.fees)"])
            return nil
        }
        var bumped = try sign(record.intent, nonce: record.nonce, fees: fees, head: head, attempts: record.attempts + 1)
        bumped.status = .pending
        try await store.update(bumped, attemptNote: "fee bump after \(head - record.sentBlock) blocks")
        await broadcast(bumped)
        logger.notice("transaction re-sent with higher fees", metadata: [
            "nonce": "\(record.nonce)", "old": "\(record.fees)", "new": "\(fees)", "hash": "\(bumped.hash.hexString)",
        ])
        return TransactionEvent(kind: .bumped, record: bumped)
    }

    private func checkMined(_ record: TransactionRecord, head: UInt64) async throws -> TransactionEvent? {
        guard let minedBlock = record.minedBlock else { return nil }
        let canonical = try await canonicalHash(minedBlock)
        var record = record
        if canonical != record.minedBlockHash {
            // The block holding it was reorganised away: the signed transaction is still valid
            // (same nonce), so send it again.
            record.status = .pending
            record.minedBlock = nil
            record.minedBlockHash = nil
            record.succeeded = nil
            record.sentBlock = head
            record.attempts += 1
            try await store.update(record, attemptNote: "re-sent after its block \(minedBlock) was reorganised away")
            await broadcast(record)
            logger.warning("delivery block reorganised away; transaction re-sent",
                           metadata: ["nonce": "\(record.nonce)", "block": "\(minedBlock)"])
            return TransactionEvent(kind: .reorged, record: record)
        }
        guard head >= minedBlock + settings.confirmations else { return nil }
        record.status = .final
        try await store.update(record)
        return TransactionEvent(kind: .final, record: record)
    }

    // MARK: Helpers

    private func currentFees(head: UInt64) async throws -> FeePolicy.Fees {
        if let feeCache, feeCache.head == head, head != 0 { return feeCache.fees }
        let history = try await chain.feeHistory(blockCount: FeePolicy.historyBlocks, newest: .latest,
                                                 rewardPercentiles: FeePolicy.rewardPercentiles)
        let fees = settings.fees.fees(history: history, suggestedTip: try? await chain.maxPriorityFeePerGas())
        feeCache = (head, fees)
        return fees
    }

    private func sign(_ intent: TransactionIntent, nonce: UInt64, fees: FeePolicy.Fees, head: UInt64,
                      attempts: Int) throws -> TransactionRecord {
        let transaction = Transaction.eip1559(EIP1559Transaction(
            chainID: chainID ?? 0, nonce: nonce, maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
            maxFeePerGas: fees.maxFeePerGas, gasLimit: intent.gasLimit, to: intent.to, value: intent.value,
            data: intent.data))
        let signed = try transaction.signed(with: key)
        return TransactionRecord(nonce: nonce, intent: intent, status: .pending, hash: signed.hash, raw: signed.raw,
                                 fees: fees, sentBlock: head, attempts: attempts)
    }

    /// Gives back the nonce of a transaction the chain refused, when no later nonce was handed
    /// out (otherwise it stays pending and is re-sent, so no gap opens).
    private func releaseNonce(of record: inout TransactionRecord, reason: String) async throws {
        guard record.nonce + 1 == nextNonce else { return }
        record.status = .dropped
        try await store.update(record, attemptNote: "refused: \(reason)")
        nextNonce = record.nonce
        try await store.saveNextNonce(nextNonce, for: address)
    }

    private func broadcast(_ record: TransactionRecord) async {
        do {
            _ = try await chain.sendRawTransaction(record.raw)
        } catch let error as RPCError where Self.isAlreadyKnown(error) {
            return
        } catch {
            logger.debug("re-broadcast failed", metadata: ["nonce": "\(record.nonce)", "error": "\(error)"])
        }
    }

    private func resumeWaiters(_ record: TransactionRecord) {
        for waiter in waiters.removeValue(forKey: record.nonce) ?? [] { waiter.resume(returning: record) }
    }

    static func isRefusal(_ error: RPCError) -> Bool {
        if case .server = error { return !isAlreadyKnown(error) }
        return false
    }

    static func isNonceTooLow(_ error: RPCError) -> Bool {
        if case .server(_, let message, _, _) = error { return message.lowercased().contains("nonce too low") }
        return false
    }

    static func isAlreadyKnown(_ error: RPCError) -> Bool {
        if case .server(_, let message, _, _) = error {
            let text = message.lowercased()
            return text.contains("already known") || text.contains("known transaction")
        }
        return false
    }
}

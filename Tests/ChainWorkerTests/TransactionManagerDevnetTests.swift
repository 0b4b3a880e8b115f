@testable import ChainWorker
import EVM
import InfernetSDK
import Foundation
import Logging
import TestSupport
import XCTest

/// The transaction manager against the devnet: nonces survive a restart, a transaction
/// persisted but never broadcast (crash) is sent on start, a nonce taken by another sender is
/// recovered, and a transaction whose block is reorganised away is re-sent.
final class TransactionManagerDevnetTests: DevnetTestCase {

    private var directory: URL!

    override func setUp() {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("txm-\(UUID().uuidString.prefix(8))")
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: directory)
    }

    private func client() throws -> DevnetClient { DevnetClient(rpcURL: try devnet().rpcURL) }

    private func manager(key: PrivateKey, store: ChainStore, confirmations: UInt64 = 2) throws -> TransactionManager {
        TransactionManager(key: key, chain: try client().rpc, store: store,
                           settings: TransactionSettings(confirmations: confirmations), logger: Logger(label: "test"))
    }

    /// A harmless transaction: Inbox.write from the node.
    private func intent(_ purpose: String) throws -> TransactionIntent {
        let inbox = try XCTUnwrap(try devnet().addresses["inbox"])
        let data = try InfernetABI.Inbox.write.encodeCall([.bytes(Data(repeating: 7, count: 32)), .bytes(Data()),
                                                          .bytes(Data(purpose.utf8)), .bytes(Data())])
        return TransactionIntent(to: inbox, data: data, gasLimit: 300_000, purpose: purpose)
    }

    private func waitMined(_ manager: TransactionManager, nonce: UInt64) async throws -> TransactionRecord {
        let rpc = try client().rpc
        for _ in 0..<100 {
            _ = try await manager.poll(head: try await rpc.blockNumber())
            if let record = try await manager.storeRecord(nonce), record.status != .pending { return record }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw CancellationError()
    }

    func testNoncesContinueAcrossRestartsAndFollowOtherSenders() async throws {
        let key = try DevnetClient.key(8)
        let path = directory.appendingPathComponent("chain.sqlite").path
        let rpc = try client().rpc
        let start = try await rpc.transactionCount(key.address, block: .pending)

        let first = try manager(key: key, store: try ChainStore(path: path))
        let a = try await first.send(try intent("a"), head: 0)
        let b = try await first.send(try intent("b"), head: 0)
        XCTAssertEqual([a.nonce, b.nonce], [start, start + 1])

        // Someone else (the operator's CLI) uses the next nonce with the same key.
        try await client().send(from: key, to: key.address, data: Data())

        // A new manager on the same file (a restart) continues without reuse or gaps.
        let second = try manager(key: key, store: try ChainStore(path: path))
        try await second.start()
        let c = try await second.send(try intent("c"), head: 0)
        XCTAssertEqual(c.nonce, start + 3)
        let mined = try await waitMined(second, nonce: c.nonce)
        XCTAssertEqual(mined.succeeded, true)
    }

    func testNonceOfARefusedTransactionIsUsedByTheNext() async throws {
        let key = try DevnetClient.key(10)
        let path = directory.appendingPathComponent("chain.sqlite").path
        let start = try await client().rpc.transactionCount(key.address, block: .pending)
        let manager = try manager(key: key, store: try ChainStore(path: path))

        // Below the intrinsic gas: the chain refuses it at the door.
        var refused = try intent("refused")
        refused.gasLimit = 1_000
        do {
            _ = try await manager.send(refused, head: 0)
            XCTFail("a transaction below the intrinsic gas was accepted")
        } catch TransactionManagerError.rejected {}

        // The given-back nonce goes to the next transaction, which is stored and mined.
        let next = try await manager.send(try intent("after a refusal"), head: 0)
        XCTAssertEqual(next.nonce, start)
        let mined = try await waitMined(manager, nonce: next.nonce)
        XCTAssertEqual(mined.succeeded, true)
        XCTAssertEqual(mined.intent.purpose, "after a refusal")
    }

    func testPersistedButUnsentTransactionIsBroadcastOnStart() async throws {
        let key = try DevnetClient.key(9)
        let rpc = try client().rpc
        let store = try ChainStore(path: directory.appendingPathComponent("chain.sqlite").path)
        let nonce = try await rpc.transactionCount(key.address, block: .pending)
        // What a crash between the commit and the broadcast leaves behind.
        let signed = try Transaction.eip1559(EIP1559Transaction(
            chainID: try await rpc.chainID(), nonce: nonce, maxPriorityFeePerGas: 1_000_000_000,
            maxFeePerGas: 100_000_000_000, gasLimit: 300_000, to: try intent("x").to, value: 0,
            data: try intent("x").data)).signed(with: key)
        try await store.insert(TransactionRecord(nonce: nonce, intent: try intent("x"), status: .pending, hash: signed.hash,
                                                 raw: signed.raw, fees: .init(maxFeePerGas: 100_000_000_000,
                                                                              maxPriorityFeePerGas: 1_000_000_000),
                                                 sentBlock: 0, attempts: 1), signer: key.address)
        let before = try await rpc.transactionReceipt(signed.hash)
        XCTAssertNil(before)

        let manager = try manager(key: key, store: store)
        try await manager.start()
        let mined = try await waitMined(manager, nonce: nonce)
        XCTAssertEqual(mined.hash, signed.hash)
        XCTAssertEqual(mined.succeeded, true)
        let next = try await manager.send(try intent("y"), head: 0)
        XCTAssertEqual(next.nonce, nonce + 1)
    }

    func testTransactionReorganisedAwayIsSentAgain() async throws {
        let key = try DevnetClient.key(10)
        let rpc = try client().rpc
        let store = try ChainStore(path: directory.appendingPathComponent("chain.sqlite").path)
        let manager = try manager(key: key, store: store, confirmations: 6)
        try await manager.start()
        let snapshot = try await rpc.request("evm_snapshot")

        let sent = try await manager.send(try intent("reorg"), head: try await rpc.blockNumber())
        let mined = try await waitMined(manager, nonce: sent.nonce)
        let firstBlock = try XCTUnwrap(mined.minedBlock)

        // A 3-block reorg: back to before the transaction, then another history of 3 blocks.
        _ = try await rpc.request("evm_revert", [snapshot])
        _ = try await rpc.request("evm_increaseTime", [.int(5)])
        for _ in 0..<3 { try await client().mine() }
        let gone = try await rpc.transactionReceipt(sent.hash)
        XCTAssertNil(gone)

        let events = try await manager.poll(head: try await rpc.blockNumber())
        XCTAssertEqual(events.map(\.kind), [.reorged])
        let again = try await waitMined(manager, nonce: sent.nonce)
        XCTAssertEqual(again.succeeded, true)
        let back = try await rpc.transactionReceipt(sent.hash)
        XCTAssertNotNil(back)
        XCTAssertNotEqual(again.minedBlockHash, mined.minedBlockHash)
        XCTAssertGreaterThan(try XCTUnwrap(again.minedBlock), firstBlock)
        let notes = try await store.attemptNotes(nonce: sent.nonce)
        XCTAssertTrue(notes.contains { $0.contains("reorganised away") }, "\(notes)")

        // Deep enough: final.
        for _ in 0..<6 { try await client().mine() }
        let final = try await manager.poll(head: try await rpc.blockNumber())
        XCTAssertEqual(final.map(\.kind), [.final])
    }
}

extension TransactionManager {
    func storeRecord(_ nonce: UInt64) async throws -> TransactionRecord? {
        try await store.transaction(nonce: nonce)
    }
}

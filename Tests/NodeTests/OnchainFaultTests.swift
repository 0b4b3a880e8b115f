@testable import ChainWorker
import EVM
import Foundation
import InfernetCore
import TestSupport
import XCTest

/// On-chain deliveries under faults: a consumer that always reverts, `kill -9` of the chain
/// worker mid-delivery, a restart of the whole node, a 3-block reorg that drops a delivery, and
/// the RPC gone for longer than the node's whole retry schedule.
///
/// The nodes run with `node.delivery_retry_delay` at 50 ms instead of 1 s, so the back-off
/// schedule (2, 4, … 64 × the delay) and the outage that must outlast it are 20× shorter; and
/// the tests wait for conditions, never for fixed times.
final class OnchainFaultTests: DevnetTestCase {
    private static let retryDelay = #""delivery_retry_delay": 0.05"#

    private func scenario() throws -> OnchainScenario { OnchainScenario(devnet: try devnet()) }

    func testConsumerThatAlwaysRevertsIsTriedThreeTimesThenDropped() async throws {
        let scenario = try scenario()
        let node = try scenario.makeNode(container: "hello-revert", keyIndex: 4, node: Self.retryDelay)
        try await node.start()
        defer { node.stop() }
        let id = try await scenario.requestCompute("revertingConsumer", container: "hello-revert", inputs: Data("x".utf8))

        let record = try await scenario.waitForRecord(node, id: id, timeout: .seconds(40)) { $0.status == .failed }
        XCTAssertEqual(record.attempts, 3)
        XCTAssertTrue(record.error?.contains("RevertingConsumer: always reverts") ?? false, record.error ?? "")
        // Caught by simulation each time: no transaction was ever sent, and it stays dropped for
        // longer than the longest back-off (64 × 50 ms).
        let address = try DevnetClient.key(4).address
        try await scenario.holds(for: .seconds(4)) {
            let nonce = try await scenario.chain().client.rpc.transactionCount(address)
            let after = try await scenario.store(of: node).delivery(subscriptionID: id, interval: 1)
            XCTAssertEqual(nonce, 0)
            XCTAssertEqual(after?.attempts, 3)
            return nonce == 0 && after?.attempts == 3
        }
    }

    func testChainWorkerKilledMidDeliveryDeliversExactlyOnce() async throws {
        let scenario = try scenario()
        let (client, addresses, _) = try scenario.chain()
        let node = try scenario.makeNode(container: "hello-slow", keyIndex: 7, extra: "--delay-ms 1500", node: Self.retryDelay)
        try await node.start()
        defer { node.stop() }
        let consumer = try XCTUnwrap(addresses["callbackConsumer"])
        let id = try await scenario.requestCompute("callbackConsumer", container: "hello-slow", inputs: Data("k".utf8))

        _ = try await scenario.waitForRecord(node, id: id, timeout: .seconds(20)) { $0.status == .computing }
        let victims = node.pids(of: "infernet-chain")
        XCTAssertEqual(victims.count, 1)
        for pid in victims { kill(pid, SIGKILL) }

        _ = try await scenario.waitForDelivery(consumer, id: id, node: node)
        // Mined and recorded: from here the restarted worker has nothing left to send.
        _ = try await scenario.waitForRecord(node, id: id) { $0.status == .delivered }
        let count = try await scenario.receivedCount(consumer, id: id)
        XCTAssertEqual(count, 1)
        let sent = try await client.rpc.transactionCount(try DevnetClient.key(7).address)
        XCTAssertEqual(sent, 1, "one delivery transaction, no duplicate after the restart")
        XCTAssertNotEqual(node.pids(of: "infernet-chain"), victims, "the supervisor restarted the chain worker")
    }

    func testWholeNodeRestartResumesFromItsStore() async throws {
        let scenario = try scenario()
        let (_, addresses, _) = try scenario.chain()
        let consumer = try XCTUnwrap(addresses["callbackConsumer"])
        let node = try scenario.makeNode(container: "hello-restart", keyIndex: 2, node: Self.retryDelay)
        try await node.start()
        let first = try await scenario.requestCompute("callbackConsumer", container: "hello-restart", inputs: Data("1".utf8))
        _ = try await scenario.waitForDelivery(consumer, id: first, node: node)
        let progress = try await scenario.store(of: node).progress()
        node.stop()

        // While the node is down a new request arrives; after the restart it is delivered and
        // the first one is not delivered again.
        let second = try await scenario.requestCompute("callbackConsumer", container: "hello-restart", inputs: Data("2".utf8))
        try await node.start()
        defer { node.stop() }
        _ = try await scenario.waitForDelivery(consumer, id: second, node: node)
        // The second delivery is recorded as mined, so the restarted node has been through the
        // first one's record too (one scheduler pass reads both).
        _ = try await scenario.waitForRecord(node, id: second) { $0.status == .delivered }
        let firstCount = try await scenario.receivedCount(consumer, id: first)
        XCTAssertEqual(firstCount, 1)
        let resumed = try await scenario.store(of: node).progress()
        XCTAssertGreaterThan(resumed?.nextID ?? 0, progress?.nextID ?? 0)
    }

    func testDeliveryDroppedByAThreeBlockReorgIsSentAgain() async throws {
        let scenario = try scenario()
        let (client, addresses, _) = try scenario.chain()
        let consumer = try XCTUnwrap(addresses["callbackConsumer"])
        let node = try scenario.makeNode(container: "hello-reorg", keyIndex: 6, extra: "--delay-ms 1000",
                                         node: #""confirmations": 6, "# + Self.retryDelay)
        try await node.start()
        defer { node.stop() }
        let id = try await scenario.requestCompute("callbackConsumer", container: "hello-reorg", inputs: Data("r".utf8))
        let snapshot = try await client.rpc.request("evm_snapshot")
        _ = try await scenario.waitForDelivery(consumer, id: id, node: node)
        let delivered = try await scenario.waitForRecord(node, id: id) { $0.status == .delivered }
        let hash = try XCTUnwrap(delivered.transactionHash.flatMap { Data(hex: $0) })

        // Another history of 3 blocks without the delivery.
        _ = try await client.rpc.request("evm_revert", [snapshot])
        _ = try await client.rpc.request("evm_increaseTime", [.int(3)])
        for _ in 0..<3 { try await client.mine() }
        let gone = try await scenario.receivedCount(consumer, id: id)
        XCTAssertEqual(gone, 0)

        _ = try await scenario.waitForDelivery(consumer, id: id, node: node)
        let receipt = try await client.rpc.transactionReceipt(hash)
        XCTAssertEqual(receipt?.succeeded, true, "the same signed delivery was re-sent")
        let notes = try await scenario.store(of: node).attemptNotes(nonce: 0)
        XCTAssertTrue(notes.contains { $0.contains("reorganised away") }, "\(notes)")
    }

    /// The RPC drops every connection while the delivery computes. The delivery reaches the dead
    /// RPC and is postponed at no cost; the outage then goes on for 3 s more, 30 times that
    /// postponement (2 × 50 ms), so the delivery falls due again while the chain is still down
    /// and the scheduler's ticks keep failing. (The test used to hold the outage for a minute
    /// against the 1 s default delay.) Once the RPC is back the delivery goes out, no attempt spent.
    func testRPCGoneLongerThanTheRetryDelaysCostsNoDelivery() async throws {
        let scenario = try scenario()
        let (client, addresses, _) = try scenario.chain()
        let consumer = try XCTUnwrap(addresses["callbackConsumer"])
        let node = try scenario.makeNode(container: "hello-outage", keyIndex: 9, extra: "--delay-ms 1000", node: Self.retryDelay)
        try await node.start()
        defer { node.stop() }
        let id = try await scenario.requestCompute("callbackConsumer", container: "hello-outage", inputs: Data("o".utf8))
        _ = try await scenario.waitForRecord(node, id: id, timeout: .seconds(20)) { $0.status == .computing }
        _ = try await client.rpc.request("devnet_setFaults", [.object(["dropConnections": .bool(true)])])
        let postponed = try await scenario.waitForRecord(node, id: id, timeout: .seconds(30)) {
            $0.status == .pending && $0.error != nil
        }
        XCTAssertEqual(postponed.attempts, 0)
        try await Task.sleep(for: .seconds(3))  // the outage itself, not a wait for something
        _ = try await client.rpc.request("devnet_clearFaults")

        _ = try await scenario.waitForDelivery(consumer, id: id, timeout: .seconds(60), node: node)
        let record = try await scenario.waitForRecord(node, id: id) { $0.status == .delivered }
        XCTAssertEqual(record.attempts, 0, "an unreachable RPC costs no attempt")
    }

    func testUnderpricedDeliveryIsBumpedUntilMined() async throws {
        let scenario = try scenario()
        let (client, addresses, _) = try scenario.chain()
        let consumer = try XCTUnwrap(addresses["callbackConsumer"])
        let node = try scenario.makeNode(container: "hello-stuck", keyIndex: 8, extra: "--delay-ms 1000",
                                         node: #""fee_bump_blocks": 1, "# + Self.retryDelay)
        try await node.start()
        defer { node.stop() }
        let id = try await scenario.requestCompute("callbackConsumer", container: "hello-stuck", inputs: Data("s".utf8))
        // Miners now want a 1.5 gwei tip; the node offers the devnet's suggested 1 gwei.
        _ = try await client.rpc.request("devnet_setMinTip", [.string("0x59682f00")])
        defer { Task { _ = try? await client.rpc.request("devnet_setMinTip", [.int(0)]) } }

        _ = try await scenario.waitForDelivery(consumer, id: id, timeout: .seconds(60), node: node, mining: true)
        let notes = try await scenario.store(of: node).attemptNotes(nonce: 0)
        XCTAssertGreaterThanOrEqual(notes.filter { $0.hasPrefix("fee bump") }.count, 3, "\(notes)")
        let mined = try await scenario.store(of: node).transaction(nonce: 0)
        XCTAssertGreaterThanOrEqual(mined?.fees.maxPriorityFeePerGas ?? 0, 1_500_000_000)
        let count = try await scenario.receivedCount(consumer, id: id)
        XCTAssertEqual(count, 1)
    }
}

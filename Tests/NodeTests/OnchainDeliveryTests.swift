import ChainWorker
import EVM
import InfernetSDK
import Foundation
import InfernetCore
import TestSupport
import XCTest

/// The real node (supervisor, chain, compute, payment workers, a hello-world service) against
/// the devnet with the Vyper SDK contracts: consumers request compute on chain and the node
/// delivers. Each test uses its own container id and node key, so nodes never serve each
/// other's subscriptions.
final class OnchainDeliveryTests: DevnetTestCase {

    private func scenario() throws -> OnchainScenario { OnchainScenario(devnet: try devnet()) }

    func testCallbackRequestIsDeliveredWithTheSerialisedOutput() async throws {
        let scenario = try scenario()
        let (_, addresses, _) = try scenario.chain()
        let node = try scenario.makeNode(container: "hello-callback", keyIndex: 5)
        try await node.start()
        defer { node.stop() }
        let consumer = try XCTUnwrap(addresses["callbackConsumer"])

        let id = try await scenario.requestCompute("callbackConsumer", container: "hello-callback", inputs: Data("abc".utf8))
        let (output, deliveredBy) = try await scenario.waitForDelivery(consumer, id: id, node: node)

        XCTAssertEqual(deliveredBy, try DevnetClient.key(5).address)
        let text = try ABI.decode(.string, from: output).stringValue()
        XCTAssertEqual(text, #"{'output': "hello, world!, your input was: {'source': 0, 'destination': 0, 'data': '616263', 'requires_proof': False}"}"#)

        // Exactly one delivery, recorded as such in the node's store.
        let record = try await scenario.waitForRecord(node, id: id, timeout: .seconds(10)) { $0.status == .delivered }
        XCTAssertEqual(record.status, .delivered)
        let received = try await scenario.chain().client.call(consumer, try ABIFunction("receivedCount(uint32)", returns: "uint256"), [.uint(id)])
        XCTAssertEqual(try received.first?.uintValue(), 1)

        // The node reports it: /info's chain address, /metrics' chain figures.
        let info = try await node.get("/info").json
        XCTAssertEqual(info?["chain"]?["address"]?.stringValue?.lowercased(), try DevnetClient.key(5).address.hex.lowercased())
        let metrics = try await node.get("/metrics").body
        XCTAssertTrue(metrics.contains(#"infernet_chain_deliveries{status="delivered"} 1"#), metrics)
        XCTAssertTrue(metrics.contains("infernet_chain_subscriptions "), metrics)
    }

    func testRecurringSubscriptionDeliversEveryIntervalWithItsInputs() async throws {
        let scenario = try scenario()
        let (client, addresses, _) = try scenario.chain()
        let node = try scenario.makeNode(container: "hello-recurring", keyIndex: 6)
        try await node.start()
        defer { node.stop() }
        let consumer = try XCTUnwrap(addresses["subscriptionConsumer"])
        let owner = try DevnetClient.key(3)
        try await client.send(from: owner, to: consumer, try ABIFunction("setInputs(bytes)"), [.bytes(Data("one".utf8))])
        let create = try ABIFunction("createComputeSubscription(string,uint32,uint32,uint16,bool,address,uint256,address,address)")
        let receipt = try await client.send(from: owner, to: consumer, create, [
            .string("hello-recurring"), .uint(3), .uint(4), .uint(1), .bool(false), .address(.zero), .uint(0),
            .address(.zero), .address(.zero),
        ])
        let id = try XCTUnwrap(DevnetClient.createdSubscriptionID(receipt))

        let first = try await scenario.waitForDelivery(consumer, id: id, count: 1, node: node, mining: true)
        XCTAssertTrue(try ABI.decode(.string, from: first.output).stringValue().contains("'data': '6f6e65'"))
        try await client.send(from: owner, to: consumer, try ABIFunction("setInputs(bytes)"), [.bytes(Data("two".utf8))])
        let second = try await scenario.waitForDelivery(consumer, id: id, count: 2, node: node, mining: true)
        XCTAssertTrue(try ABI.decode(.string, from: second.output).stringValue().contains("'data': '74776f'"))
        _ = try await scenario.waitForDelivery(consumer, id: id, count: 3, node: node, mining: true)

        // Frequency 3: nothing after the third interval.
        for _ in 0..<6 {
            try await client.mine()
            try await Task.sleep(for: .seconds(1))
        }
        let received = try await client.call(consumer, try ABIFunction("receivedCount(uint32)", returns: "uint256"), [.uint(id)])
        XCTAssertEqual(try received.first?.uintValue(), 3)
    }

    func testLazySubscriptionIsDeliveredThroughTheInbox() async throws {
        let scenario = try scenario()
        let (client, addresses, _) = try scenario.chain()
        let node = try scenario.makeNode(container: "hello-lazy", keyIndex: 7)
        try await node.start()
        defer { node.stop() }
        let consumer = try XCTUnwrap(addresses["subscriptionConsumer"])
        let owner = try DevnetClient.key(3)
        try await client.send(from: owner, to: consumer, try ABIFunction("setInputs(bytes)"), [.bytes(Data("lazy".utf8))])
        let create = try ABIFunction("createComputeSubscription(string,uint32,uint32,uint16,bool,address,uint256,address,address)")
        let receipt = try await client.send(from: owner, to: consumer, create, [
            .string("hello-lazy"), .uint(1), .uint(0), .uint(1), .bool(true), .address(.zero), .uint(0),
            .address(.zero), .address(.zero),
        ])
        let id = try XCTUnwrap(DevnetClient.createdSubscriptionID(receipt))
        let delivered = try await scenario.waitForDelivery(consumer, id: id, node: node)
        XCTAssertTrue(delivered.output.isEmpty, "a lazy consumer gets the Inbox index, not the output")

        let item = try await client.call(try XCTUnwrap(addresses["inbox"]), InfernetABI.Inbox.read,
                                         [.bytes(ContainerSet.hash(["hello-lazy"])), .address(try DevnetClient.key(7).address), .uint(0)])
        let fields = try XCTUnwrap(item.first).tupleValue()
        XCTAssertEqual(try fields[1].integerValue() as UInt32, id)
        XCTAssertEqual(try fields[2].integerValue() as UInt32, 1)
        let text = try ABI.decode(.string, from: try fields[4].bytesValue()).stringValue()
        XCTAssertTrue(text.contains("'data': '6c617a79'"), text)
    }

    func testCancelledSubscriptionGetsNoMoreDeliveries() async throws {
        let scenario = try scenario()
        let (client, addresses, _) = try scenario.chain()
        let node = try scenario.makeNode(container: "hello-cancel", keyIndex: 8)
        try await node.start()
        defer { node.stop() }
        let consumer = try XCTUnwrap(addresses["subscriptionConsumer"])
        let owner = try DevnetClient.key(3)
        let create = try ABIFunction("createComputeSubscription(string,uint32,uint32,uint16,bool,address,uint256,address,address)")
        let receipt = try await client.send(from: owner, to: consumer, create, [
            .string("hello-cancel"), .uint(100), .uint(3), .uint(1), .bool(false), .address(.zero), .uint(0),
            .address(.zero), .address(.zero),
        ])
        let id = try XCTUnwrap(DevnetClient.createdSubscriptionID(receipt))
        _ = try await scenario.waitForDelivery(consumer, id: id, node: node, mining: true)
        try await client.send(from: owner, to: consumer, try ABIFunction("cancelComputeSubscription(uint32)"), [.uint(id)])
        let atCancel = try await scenario.receivedCount(consumer, id: id)

        // Three more periods pass: nothing arrives.
        for _ in 0..<10 {
            try await client.mine()
            try await Task.sleep(for: .seconds(1))
        }
        let later = try await scenario.receivedCount(consumer, id: id)
        XCTAssertEqual(later, atCancel)
        let stored = try await scenario.store(of: node).subscription(id: id)
        XCTAssertEqual(stored?.subscription.isCancelled, true)
    }

    func testRedundancyTwoIsAnsweredByTwoNodes() async throws {
        let scenario = try scenario()
        let (client, addresses, _) = try scenario.chain()
        let first = try scenario.makeNode(container: "hello-pair", keyIndex: 9)
        let second = try scenario.makeNode(container: "hello-pair", keyIndex: 10)
        try await first.start()
        defer { first.stop() }
        try await second.start()
        defer { second.stop() }
        let consumer = try XCTUnwrap(addresses["callbackConsumer"])
        let id = try await scenario.requestCompute("callbackConsumer", container: "hello-pair", inputs: Data("2".utf8),
                                                   redundancy: 2)
        _ = try await scenario.waitForDelivery(consumer, id: id, count: 2, node: first)
        let coordinator = CoordinatorContract(address: try XCTUnwrap(addresses["coordinator"]), caller: client.rpc)
        for key in [9, 10] {
            let responded = try await coordinator.nodeResponded(subscriptionID: id, interval: 1,
                                                                node: try DevnetClient.key(key).address)
            XCTAssertTrue(responded, "node \(key) answered")
        }
        try await Task.sleep(for: .seconds(2))
        let count = try await scenario.receivedCount(consumer, id: id)
        XCTAssertEqual(count, 2)
    }
}

import ChainWorker
import EVM
import Foundation
import InfernetCore
import TestSupport
import XCTest

/// The real node (supervisor, chain, compute, payment workers, a hello-world service) against
/// the devnet with the Vyper SDK contracts: consumers request compute on chain and the node
/// delivers. Each test uses its own container id and node key, so nodes never serve each
/// other's subscriptions.
final class OnchainDeliveryTests: XCTestCase {
    nonisolated(unsafe) static var devnet: Result<DevnetProcess, any Error>?

    override class func setUp() {
        super.setUp()
        devnet = Result { try DevnetProcess() }
    }

    override class func tearDown() {
        (try? devnet?.get())?.stop()
        super.tearDown()
    }

    private func chain() throws -> (client: DevnetClient, addresses: [String: Address], url: String) {
        let devnet = try XCTUnwrap(Self.devnet).get()
        return (DevnetClient(rpcURL: devnet.rpcURL), devnet.addresses, devnet.rpcURL)
    }

    /// A node with chain enabled, serving one hello-world container `container`, signing with
    /// devnet key `keyIndex`.
    private func makeNode(container: String, keyIndex: Int, containerFields: String = "", chainExtra: String = "",
                          node: String = "") throws -> NodeHarness {
        let (_, addresses, url) = try chain()
        let key = try DevnetClient.key(keyIndex)
        let chainSection = """
        "chain": {"enabled": true, "rpc_url": "\(url)", "trail_head_blocks": 0,
                  "registry_address": "\(try XCTUnwrap(addresses["registry"]).checksummed)",
                  "wallet": {"private_key": "\(key.rawValue.hexString)"\(chainExtra)},
                  "snapshot_sync": {"sleep": 0, "sync_period": 0.1}}
        """
        return try NodeHarness(containers: [NodeHarness.helloContainer(id: container, fields: containerFields)],
                               extraTopLevel: chainSection, node: node)
    }

    private func requestCompute(_ consumerName: String, container: String, inputs: Data,
                                from keyIndex: Int = 3) async throws -> UInt32 {
        let (client, addresses, _) = try chain()
        let request = try ABIFunction("requestCompute(string,bytes,uint16,address,uint256,address,address)")
        let receipt = try await client.send(
            from: try DevnetClient.key(keyIndex), to: try XCTUnwrap(addresses[consumerName]), request,
            [.string(container), .bytes(inputs), .uint(1), .address(.zero), .uint(0), .address(.zero), .address(.zero)])
        return try XCTUnwrap(DevnetClient.createdSubscriptionID(receipt))
    }

    /// Waits until the consumer has received `count` deliveries for `id`; returns the last output.
    private func waitForDelivery(_ consumer: Address, id: UInt32, count: Int = 1, timeout: Double = 60,
                                 node: NodeHarness, mining: Bool = false) async throws -> (output: Data, node: Address) {
        let (client, _, _) = try chain()
        let received = try ABIFunction("receivedCount(uint32)", returns: "uint256")
        let deadline = Date().addingTimeInterval(timeout)
        var lastMined = Date()
        while Date() < deadline {
            let value = try await client.call(consumer, received, [.uint(id)])
            if try value.first?.uintValue() ?? 0 >= BigUInt(count) {
                let output = try await client.call(consumer, try ABIFunction("lastOutput(uint32)", returns: "bytes"), [.uint(id)])
                let last = try await client.call(consumer, try ABIFunction("lastNode(uint32)", returns: "address"), [.uint(id)])
                return (try XCTUnwrap(output.first).bytesValue(), try XCTUnwrap(last.first).addressValue())
            }
            // About one block a second, so block time follows the clock (faster mining runs ahead).
            if mining, Date().timeIntervalSince(lastMined) >= 1 {
                try await client.mine()
                lastMined = Date()
            }
            try await Task.sleep(for: .milliseconds(250))
        }
        print(node.log.suffix(6000))
        XCTFail("no delivery \(count) for subscription \(id) within \(timeout) s")
        throw CancellationError()
    }

    func testCallbackRequestIsDeliveredWithTheSerialisedOutput() async throws {
        let (_, addresses, _) = try chain()
        let node = try makeNode(container: "hello-callback", keyIndex: 5)
        try await node.start()
        defer { node.stop() }
        let consumer = try XCTUnwrap(addresses["callbackConsumer"])

        let id = try await requestCompute("callbackConsumer", container: "hello-callback", inputs: Data("abc".utf8))
        let (output, deliveredBy) = try await waitForDelivery(consumer, id: id, node: node)

        XCTAssertEqual(deliveredBy, try DevnetClient.key(5).address)
        let text = try ABI.decode(.string, from: output).stringValue()
        XCTAssertEqual(text, #"{'output': "hello, world!, your input was: {'source': 0, 'destination': 0, 'data': '616263', 'requires_proof': False}"}"#)

        // Exactly one delivery, recorded as such in the node's store.
        try await Task.sleep(for: .seconds(1))
        let store = try ChainStore(path: ChainStore.path(dataDirectory: node.directory.appendingPathComponent("var").path))
        let record = try await store.delivery(subscriptionID: id, interval: 1)
        XCTAssertEqual(record?.status, .delivered)
        let received = try await chain().client.call(consumer, try ABIFunction("receivedCount(uint32)", returns: "uint256"), [.uint(id)])
        XCTAssertEqual(try received.first?.uintValue(), 1)
    }

    func testRecurringSubscriptionDeliversEveryIntervalWithItsInputs() async throws {
        let (client, addresses, _) = try chain()
        let node = try makeNode(container: "hello-recurring", keyIndex: 6)
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

        let first = try await waitForDelivery(consumer, id: id, count: 1, node: node, mining: true)
        XCTAssertTrue(try ABI.decode(.string, from: first.output).stringValue().contains("'data': '6f6e65'"))
        try await client.send(from: owner, to: consumer, try ABIFunction("setInputs(bytes)"), [.bytes(Data("two".utf8))])
        let second = try await waitForDelivery(consumer, id: id, count: 2, node: node, mining: true)
        XCTAssertTrue(try ABI.decode(.string, from: second.output).stringValue().contains("'data': '74776f'"))
        _ = try await waitForDelivery(consumer, id: id, count: 3, node: node, mining: true)

        // Frequency 3: nothing after the third interval.
        for _ in 0..<6 {
            try await client.mine()
            try await Task.sleep(for: .seconds(1))
        }
        let received = try await client.call(consumer, try ABIFunction("receivedCount(uint32)", returns: "uint256"), [.uint(id)])
        XCTAssertEqual(try received.first?.uintValue(), 3)
    }
}

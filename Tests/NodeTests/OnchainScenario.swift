@testable import ChainWorker
import EVM
import InfernetSDK
import Foundation
import InfernetCore
import TestSupport
import XCTest

/// A devnet with the SDK contracts plus the steps on-chain node tests share: start a node with
/// chain enabled, make consumer requests, wait for deliveries, read the node's chain store.
struct OnchainScenario {
    let devnet: DevnetProcess

    func chain() throws -> (client: DevnetClient, addresses: [String: Address], url: String) {
        (DevnetClient(rpcURL: devnet.rpcURL), devnet.addresses, devnet.rpcURL)
    }

    /// A node with chain enabled, serving one hello-world container `container`, signing with
    /// devnet key `keyIndex`.
    func makeNode(container: String, keyIndex: Int, extra: String = "", containerFields: String = "",
                  chainExtra: String = "", node: String = "") throws -> NodeHarness {
        let (_, addresses, url) = try chain()
        let key = try DevnetClient.key(keyIndex)
        let chainSection = """
        "chain": {"enabled": true, "rpc_url": "\(url)", "trail_head_blocks": 0,
                  "registry_address": "\(try XCTUnwrap(addresses["registry"]).checksummed)",
                  "wallet": {"private_key": "\(key.rawValue.hexString)"\(chainExtra)},
                  "snapshot_sync": {"sleep": 0, "sync_period": 0.1}}
        """
        return try NodeHarness(containers: [NodeHarness.helloContainer(id: container, extra: extra, fields: containerFields)],
                               extraTopLevel: chainSection, node: node)
    }

    func requestCompute(_ consumerName: String, container: String, inputs: Data, redundancy: UInt16 = 1,
                        from keyIndex: Int = 3) async throws -> UInt32 {
        let (client, addresses, _) = try chain()
        let request = try ABIFunction("requestCompute(string,bytes,uint16,address,uint256,address,address)")
        let receipt = try await client.send(
            from: try DevnetClient.key(keyIndex), to: try XCTUnwrap(addresses[consumerName]), request,
            [.string(container), .bytes(inputs), .uint(redundancy), .address(.zero), .uint(0), .address(.zero), .address(.zero)])
        return try XCTUnwrap(DevnetClient.createdSubscriptionID(receipt))
    }

    /// Waits until the consumer has received `count` deliveries for `id`; returns the last output.
    func waitForDelivery(_ consumer: Address, id: UInt32, count: Int = 1, timeout: Duration = .seconds(60),
                                 node: NodeHarness, mining: Bool = false) async throws -> (output: Data, node: Address) {
        let (client, _, _) = try chain()
        let received = try ABIFunction("receivedCount(uint32)", returns: "uint256")
        let deadline = ContinuousClock.now + timeout
        var lastMined = Date()
        while ContinuousClock.now < deadline {
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
        XCTFail("no delivery \(count) for subscription \(id) within \(timeout)")
        throw CancellationError()
    }

    func receivedCount(_ consumer: Address, id: UInt32) async throws -> BigUInt {
        let received = try ABIFunction("receivedCount(uint32)", returns: "uint256")
        return try await chain().client.call(consumer, received, [.uint(id)]).first?.uintValue() ?? 0
    }

    func store(of node: NodeHarness) throws -> ChainStore {
        try ChainStore(path: ChainStore.path(dataDirectory: node.directory.appendingPathComponent("var").path))
    }

    /// Polls the node's delivery record until `condition` holds.
    func waitForRecord(_ node: NodeHarness, id: UInt32, interval: UInt32 = 1, timeout: Duration = .seconds(60),
                       _ condition: (DeliveryRecord) -> Bool) async throws -> DeliveryRecord {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if FileManager.default.fileExists(atPath: ChainStore.path(dataDirectory: node.directory.appendingPathComponent("var").path)),
               let record = try await store(of: node).delivery(subscriptionID: id, interval: interval), condition(record) {
                return record
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        print(node.log.suffix(6000))
        XCTFail("delivery record \(id)/\(interval) never reached the expected state")
        throw CancellationError()
    }

    /// Polls `condition` for the whole of `window`; it must hold every time (something that must
    /// not happen, checked for as long as it could take to happen). Stops at the first failure.
    func holds(for window: Duration, every interval: Duration = .milliseconds(200),
               _ condition: () async throws -> Bool) async throws {
        let end = ContinuousClock.now + window
        repeat {
            guard try await condition() else { return }
            try await Task.sleep(for: interval)
        } while ContinuousClock.now < end
    }

    // MARK: Payments

    /// A payment Wallet for `owner` from the WalletFactory (created by key 2, which pays no fees
    /// the tests measure).
    func createWallet(owner: Address) async throws -> Address {
        let (client, addresses, _) = try chain()
        let receipt = try await client.send(from: try DevnetClient.key(2), to: try XCTUnwrap(addresses["walletFactory"]),
                                            InfernetABI.WalletFactory.createWallet, [.address(owner)])
        let event = InfernetABI.WalletFactory.walletCreated
        let log = try XCTUnwrap(receipt.logs.first { $0.topics.first == event.topic })
        return try XCTUnwrap(Address(Data(log.data.suffix(20))))
    }

    /// ETH or token balance of `holder`.
    func balance(of holder: Address, token: Address = .zero) async throws -> BigUInt {
        let (client, _, _) = try chain()
        if token == .zero { return try await client.rpc.balance(holder) }
        return try await client.call(token, InfernetABI.ERC20.balanceOf, [.address(holder)]).first?.uintValue() ?? 0
    }

    /// Funds `wallet` with `amount` of ETH (from key 2) or of the test token (minted by key 1, its owner).
    func fund(_ wallet: Address, amount: BigUInt, token: Address = .zero) async throws {
        let client = try chain().client
        if token == .zero {
            try await client.send(from: try DevnetClient.key(2), to: wallet, data: Data(), value: amount)
        } else {
            try await client.send(from: try DevnetClient.key(1), to: token, try ABIFunction("mint(address,uint256)"),
                                  [.address(wallet), .uint(amount)])
        }
    }

    /// The wallet's owner (`ownerKey`) lets `spender` spend `amount` of `token`.
    func approve(_ wallet: Address, ownerKey: Int, spender: Address, token: Address = .zero, amount: BigUInt) async throws {
        try await chain().client.send(from: try DevnetClient.key(ownerKey), to: wallet, InfernetABI.Wallet.approve,
                                      [.address(spender), .address(token), .uint(amount)])
    }

    /// A paying callback request from the CallbackConsumer.
    func requestPaidCompute(container: String, inputs: Data, token: Address, amount: BigUInt, wallet: Address,
                            verifier: Address = .zero) async throws -> UInt32 {
        let (client, addresses, _) = try chain()
        let request = try ABIFunction("requestCompute(string,bytes,uint16,address,uint256,address,address)")
        let receipt = try await client.send(
            from: try DevnetClient.key(3), to: try XCTUnwrap(addresses["callbackConsumer"]), request,
            [.string(container), .bytes(inputs), .uint(1), .address(token), .uint(amount), .address(wallet), .address(verifier)])
        return try XCTUnwrap(DevnetClient.createdSubscriptionID(receipt))
    }
}

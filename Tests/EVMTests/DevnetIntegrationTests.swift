import EVM
import InfernetSDK
import Foundation
import TestSupport
import XCTest

/// The whole library against the project's devnet (py-evm + the Vyper SDK contracts): typed RPC
/// calls, signed legacy and type-2 transactions, contract wrappers, log decoding, revert decoding,
/// and an EIP-712 delegated subscription created and delivered on chain.
final class DevnetIntegrationTests: DevnetTestCase {

    private func environment() throws -> (rpc: JSONRPCClient, addresses: [String: Address]) {
        let devnet = try devnet()
        return (JSONRPCClient(urls: [devnet.rpcURL]), devnet.addresses)
    }

    private func key(_ index: Int) throws -> PrivateKey { try DevnetClient.key(index) }

    /// Signs and sends a type-2 transaction from `key`, waits for its receipt.
    private func send(_ rpc: JSONRPCClient, from key: PrivateKey, to: Address, data: Data, value: BigUInt = 0,
                      legacy: Bool = false) async throws -> TransactionReceipt {
        let chainID = try await rpc.chainID()
        let nonce = try await rpc.transactionCount(key.address)
        let gas = try await rpc.estimateGas(CallRequest(from: key.address, to: to, data: data, value: value))
        let tx: Transaction
        if legacy {
            let gasPrice = try await rpc.gasPrice()
            tx = .legacy(LegacyTransaction(nonce: nonce, gasPrice: gasPrice * 2, gasLimit: gas * 2, to: to, value: value,
                                           data: data, chainID: chainID))
        } else {
            let head = try await rpc.block(.latest)
            let tip = try await rpc.maxPriorityFeePerGas()
            let baseFee = head?.baseFeePerGas ?? 1_000_000_000
            tx = .eip1559(EIP1559Transaction(chainID: chainID, nonce: nonce, maxPriorityFeePerGas: tip,
                                             maxFeePerGas: baseFee * 2 + tip, gasLimit: gas * 2, to: to, value: value, data: data))
        }
        let signed = try tx.signed(with: key)
        let hash = try await rpc.sendRawTransaction(signed)
        XCTAssertEqual(hash, signed.hash)
        for _ in 0..<50 {
            if let receipt = try await rpc.transactionReceipt(hash) { return receipt }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw RPCError.invalidResponse("no receipt", method: "eth_getTransactionReceipt")
    }

    func testContractsTransactionsAndDelegation() async throws {
        let (rpc, addresses) = try environment()
        let chainID = try await rpc.chainID()
        XCTAssertEqual(chainID, 1337)
        let registryAddress = try XCTUnwrap(addresses["registry"])
        let registry = try await RegistryContract(address: registryAddress, caller: rpc).addresses()
        XCTAssertEqual(registry.coordinator, addresses["coordinator"])
        XCTAssertEqual(registry.reader, addresses["reader"])
        XCTAssertEqual(registry.walletFactory, addresses["walletFactory"])
        let coordinator = CoordinatorContract(address: registry.coordinator, caller: rpc)
        let name = try await coordinator.eip712Name()
        XCTAssertEqual(name, DelegateSubscription.domainName)

        // A plain value transfer (type 2) and a subscription created with a legacy EIP-155 transaction.
        let alice = try key(2), bob = try key(3)
        let before = try await rpc.balance(bob.address)
        let transfer = try await send(rpc, from: alice, to: bob.address, data: Data(), value: 12345)
        XCTAssertTrue(transfer.succeeded)
        let after = try await rpc.balance(bob.address)
        XCTAssertEqual(after - before, 12345)

        let create = try CoordinatorContract.createSubscriptionCalldata(containerID: "hello-world", frequency: 1, period: 0,
                                                                       redundancy: 1, lazy: false)
        let created = try await send(rpc, from: alice, to: registry.coordinator, data: create, legacy: true)
        XCTAssertTrue(created.succeeded)
        let event = InfernetABI.Coordinator.subscriptionCreated
        let log = try XCTUnwrap(created.logs.first { $0.topics.first == event.topic })
        let subscriptionID: UInt32 = try event.decodeLog(topics: log.topics, data: log.data)[0].integerValue()
        let subscription = try await coordinator.subscription(subscriptionID)
        XCTAssertEqual(subscription.owner, alice.address)
        XCTAssertEqual(subscription.containerID, ContainerSet.hash(["hello-world"]))
        let batch = try await ReaderContract(address: registry.reader, caller: rpc).subscriptions(subscriptionID..<(subscriptionID + 1))
        XCTAssertEqual(batch, [subscription])

        // Only the owner may cancel: the simulated call reverts with NotSubscriptionOwner.
        do {
            _ = try await rpc.call(CallRequest(from: bob.address, to: registry.coordinator,
                                               data: try CoordinatorContract.cancelSubscriptionCalldata(subscriptionID)))
            XCTFail("expected a revert")
        } catch let error as RPCError {
            XCTAssertEqual(error.revertReason?.customErrorName, "NotSubscriptionOwner", "\(error)")
        }

        // A delegated subscription signed (EIP-712) by the DelegatorConsumer's signer, delivered by bob.
        let consumerAddress = try XCTUnwrap(addresses["delegatorConsumer"])
        let signerAddress = try await ConsumerContract(address: consumerAddress, caller: rpc).signer()
        let signer = try key(1)
        XCTAssertEqual(signerAddress, signer.address)
        let latest = try await rpc.block(.latest)
        let now = try XCTUnwrap(latest).timestamp
        let delegated = Subscription(owner: consumerAddress, activeAt: UInt32(now), period: 0, frequency: 1, redundancy: 1,
                                     containerID: ContainerSet.hash(["hello-world"]), lazy: false)
        let expiry = UInt32(now + 3600)
        let signature = try DelegateSubscription.sign(nonce: 7, expiry: expiry, subscription: delegated, chainID: chainID,
                                                      coordinator: registry.coordinator, key: signer)
        let output = try OnchainOutput(output: .init(parsing: #"{"output": "hi", "code": "200"}"#))
        let deliver = try CoordinatorContract.deliverComputeDelegateeCalldata(
            delegate: DelegateSignature(nonce: 7, expiry: expiry, signature: signature), subscription: delegated, interval: 1,
            output: output, nodeWallet: .zero)
        let delivered = try await send(rpc, from: bob, to: registry.coordinator, data: deliver)
        XCTAssertTrue(delivered.succeeded)
        let fulfilled = InfernetABI.Coordinator.subscriptionFulfilled
        let fulfilment = try XCTUnwrap(delivered.logs.first { $0.topics.first == fulfilled.topic })
        let values = try fulfilled.decodeLog(topics: fulfilment.topics, data: fulfilment.data)
        XCTAssertEqual(try values[1].addressValue(), bob.address)
        let delegatedID = try await coordinator.delegateCreatedID(owner: consumerAddress, nonce: 7)
        XCTAssertEqual(delegatedID, try values[0].integerValue())
        let responded = try await coordinator.nodeResponded(subscriptionID: delegatedID, interval: 1, node: bob.address)
        XCTAssertTrue(responded)

        // The same signature with another nonce is rejected by the contract (SignerMismatch).
        let forged = try CoordinatorContract.createSubscriptionDelegateeCalldata(
            delegate: DelegateSignature(nonce: 8, expiry: expiry, signature: signature), subscription: delegated)
        do {
            _ = try await rpc.call(CallRequest(from: bob.address, to: registry.coordinator, data: forged))
            XCTFail("expected a revert")
        } catch let error as RPCError {
            XCTAssertEqual(error.revertReason?.customErrorName, "SignerMismatch", "\(error)")
        }

        // Logs through eth_getLogs match the receipt's.
        let logs = try await rpc.logs(LogFilter(fromBlock: .number(delivered.blockNumber), toBlock: .number(delivered.blockNumber),
                                                addresses: [registry.coordinator], topics: [[fulfilled.topic]]))
        XCTAssertEqual(logs.map(\.data), [fulfilment.data])
    }
}

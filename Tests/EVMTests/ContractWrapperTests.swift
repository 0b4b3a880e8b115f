import InfernetCore
import EVM
import InfernetSDK
import Foundation
import XCTest

/// A fake chain: answers `eth_call` by decoding the calldata with the SDK ABI and encoding a result.
struct FakeChain: ContractCaller {
    let answer: @Sendable (ABIFunction, [ABIValue], CallRequest) throws -> [ABIValue]
    let functions: [ABIFunction]

    func call(_ request: CallRequest, block: BlockTag) async throws -> Data {
        guard let function = functions.first(where: { $0.selector == request.data.prefix(4) }) else {
            throw RPCError.server(code: 3, message: "execution reverted", data: .string("0x"), url: "fake")
        }
        return try function.encodeOutput(try answer(function, try function.decodeCall(request.data), request))
    }
}

final class ContractWrapperTests: XCTestCase {
    func testCoordinatorReaderAndConsumer() async throws {
        let sub = sampleSubscription()
        let node = try Address(hex: "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")
        let chain = FakeChain(answer: { function, arguments, request in
            switch function.name {
            case "id": return [.uint(UInt32(8))]
            case "getSubscription": return [sub.abiValue]
            case "readSubscriptionBatch":
                let start = try arguments[0].integerValue(UInt32.self), end = try arguments[1].integerValue(UInt32.self)
                return [.array((start..<end).map { _ in sub.abiValue })]
            case "readRedundancyCountBatch": return [.array(try arguments[0].arrayValue().map { _ in .uint(UInt16(1)) })]
            case "redundancyCount":
                let expected = CoordinatorKeys.redundancyCount(subscriptionID: 3, interval: 4)
                return [.uint(UInt16(try arguments[0].bytesValue() == expected ? 2 : 0))]
            case "getContainerInputs":
                XCTAssertEqual(request.from, node)
                return [.bytes(Data("inputs".utf8))]
            case "getSigner": return [.address(node)]
            case "COORDINATOR", "INBOX", "READER", "FEE", "WALLET_FACTORY": return [.address(node)]
            default: return []
            }
        }, functions: [InfernetABI.Coordinator.id, InfernetABI.Coordinator.getSubscription, InfernetABI.Coordinator.redundancyCount,
                       InfernetABI.Reader.readSubscriptionBatch, InfernetABI.Reader.readRedundancyCountBatch,
                       InfernetABI.Consumer.getContainerInputs, InfernetABI.Consumer.getSigner,
                       InfernetABI.Registry.coordinator, InfernetABI.Registry.inbox, InfernetABI.Registry.reader,
                       InfernetABI.Registry.fee, InfernetABI.Registry.walletFactory])
        let coordinator = CoordinatorContract(address: .zero, caller: chain)
        let nextID = try await coordinator.nextID()
        XCTAssertEqual(nextID, 8)
        let fetched = try await coordinator.subscription(1)
        XCTAssertEqual(fetched, sub)
        let count = try await coordinator.redundancyCount(subscriptionID: 3, interval: 4)
        XCTAssertEqual(count, 2)
        let reader = ReaderContract(address: .zero, caller: chain)
        let batch = try await reader.subscriptions(1..<4)
        XCTAssertEqual(batch, [sub, sub, sub])
        let counts = try await reader.redundancyCounts([(1, 1), (2, 1)])
        XCTAssertEqual(counts, [1, 1])
        let consumer = ConsumerContract(address: .zero, caller: chain)
        let inputs = try await consumer.containerInputs(subscriptionID: 1, interval: 1, timestamp: 5, caller: node)
        XCTAssertEqual(inputs, Data("inputs".utf8))
        let signer = try await consumer.signer()
        XCTAssertEqual(signer, node)
        let addresses = try await RegistryContract(address: .zero, caller: chain).addresses()
        XCTAssertEqual(addresses.walletFactory, node)
    }

    func testDelegateeCalldata() throws {
        let key = try PrivateKey(Keccak256.hash("signer"))
        let sub = sampleSubscription()
        let signature = try DelegateSubscription.sign(nonce: 1, expiry: 99, subscription: sub, chainID: 1, coordinator: .zero, key: key)
        let delegate = DelegateSignature(nonce: 1, expiry: 99, signature: signature)
        let calldata = try CoordinatorContract.deliverComputeDelegateeCalldata(
            delegate: delegate, subscription: sub, interval: 1, output: OnchainOutput(pythonRepr: "{}"), nodeWallet: .zero)
        let decoded = try InfernetABI.Coordinator.deliverComputeDelegatee.decodeCall(calldata)
        XCTAssertEqual(try Subscription(abiValue: decoded[2]), sub)
        XCTAssertEqual(try decoded[3].integerValue(UInt8.self), signature.v)
        XCTAssertEqual(try decoded[4].bytesValue(), signature.r)
    }
}

import InfernetCore
import EVM
import InfernetSDK
import Foundation
import XCTest

/// The selectors, topics and type hashes listed in sdk-abi.md.
final class SDKVectorTests: XCTestCase {
    func testEventTopics() {
        typealias C = InfernetABI.Coordinator
        XCTAssertEqual(C.subscriptionCreated.topic.hexString, "0x04344ed7a67fec80c444d56ee1cee242f3f75b91fecc8dbce8890069c82eb48e")
        XCTAssertEqual(C.subscriptionCancelled.topic.hexString, "0xf4126e31c182db4c4109605c6d50470fc7e8ca90d62d44fd25cbe049fb9cac3e")
        XCTAssertEqual(C.subscriptionFulfilled.topic.hexString, "0xc68fb0ae5cea2793405d29014d881bcda18f67122e0bcd7d0a577e118b64e4c8")
        XCTAssertEqual(C.proofVerified.topic.hexString, "0xaf1556610075709bf885e17681512d329b1a40f799ee5196f79461e89b656454")
    }

    func testErrorSelectors() {
        let expected: [String: String] = [
            "InvalidWallet": "23455ba1", "IntervalMismatch": "4db310c3", "IntervalCompleted": "2f4ca85b",
            "UnauthorizedVerifier": "b9857aa1", "NodeRespondedAlready": "88a21e4f", "SubscriptionNotFound": "1a00354f",
            "ProofRequestNotFound": "1d68b37c", "NotSubscriptionOwner": "a7fba711", "SubscriptionCompleted": "ae6704a7",
            "SubscriptionNotActive": "efb74efe", "UnsupportedVerifierToken": "e2372799", "SignerMismatch": "10c74b03",
            "SignatureExpired": "0819bdcd", "InvalidSignature": "8baa579f", "Reentrancy": "ab143c06",
            "NotCoordinator": "9ec853e6", "InsufficientFunds": "356680b7", "InsufficientAllowance": "13be252b",
            "NodeNotAllowed": "42764946", "Unauthorized": "82b42900",
        ]
        XCTAssertEqual(InfernetSDKError.all.count, expected.count)
        for error in InfernetSDKError.all {
            XCTAssertEqual(error.selector.bareHexString, expected[error.name], error.name)
            XCTAssertEqual(RevertReason(data: error.selector).customErrorName, error.name)
        }
    }

    func testTypeHashes() throws {
        let typedData = DelegateSubscription.typedData(
            nonce: 0, expiry: 0, subscription: sampleSubscription(), chainID: 1, coordinator: .zero)
        XCTAssertEqual(try typedData.encodeType("Subscription"),
                       "Subscription(address owner,uint32 activeAt,uint32 period,uint32 frequency,uint16 redundancy,bytes32 containerId,bool lazy,address verifier,uint256 paymentAmount,address paymentToken,address wallet)")
        XCTAssertEqual(try typedData.typeHash("Subscription").hexString,
                       "0x3da81ed66ee47395e568c52867826ec137777eef9c1bdfb6bf972dd4385bc5a9")
        XCTAssertEqual(try typedData.typeHash("DelegateSubscription").hexString,
                       "0xba9ff1aef2b048b42767aade2b901745a3acf14f698a9ec13952098cfd03d0b6")
    }

    func testDelegateStructHashMatchesSpecFormula() throws {
        let sub = sampleSubscription()
        let typedData = DelegateSubscription.typedData(nonce: 7, expiry: 1000, subscription: sub, chainID: 31337,
                                                       coordinator: try Address(hex: "0x5FbDB2315678afecb367f032d93F642f64180aa3"))
        let subHash = Keccak256.hash(try ABI.encode([.bytes(try typedData.typeHash("Subscription"))] + (try sub.abiValue.tupleValue()),
                                                    as: [.bytes32] + fields(of: Subscription.abiType)))
        let expected = Keccak256.hash(try ABI.encode(
            [.bytes(try typedData.typeHash("DelegateSubscription")), .uint(7), .uint(1000), .bytes(subHash)],
            as: [.bytes32, .uint32, .uint32, .bytes32]))
        XCTAssertEqual(try typedData.hashStruct("DelegateSubscription", typedData.message), expected)
    }

    func testFunctionSelectors() {
        XCTAssertEqual(InfernetABI.Coordinator.deliverCompute.selector.bareHexString, "c509543d")
        XCTAssertEqual(InfernetABI.Coordinator.id.selector.bareHexString, "af640d0f")
        XCTAssertEqual(InfernetABI.Coordinator.getSubscription.selector.bareHexString, "a17b920b")
        XCTAssertEqual(InfernetABI.Reader.readSubscriptionBatch.selector.bareHexString, "3ddc29f5")
        XCTAssertEqual(InfernetABI.Consumer.getContainerInputs.selector.bareHexString, "962fad75")
        XCTAssertEqual(InfernetABI.Consumer.getSigner.selector.bareHexString, "7ac3c02f")
        XCTAssertEqual(InfernetABI.Coordinator.deliverComputeDelegatee.selector.bareHexString, "9fff314a")
        XCTAssertEqual(InfernetABI.Coordinator.createSubscriptionDelegatee.selector.bareHexString, "9c092514")
    }

    func testSubscriptionRoundTripAndIntervals() throws {
        let sub = sampleSubscription()
        let encoded = try ABI.encode(sub.abiValue, as: Subscription.abiType)
        XCTAssertEqual(encoded.count, 11 * 32)
        XCTAssertEqual(try Subscription(abiValue: ABI.decode(Subscription.abiType, from: encoded)), sub)
        XCTAssertEqual(sub.interval(at: 99), nil)
        XCTAssertEqual(sub.interval(at: 100), 1)
        XCTAssertEqual(sub.interval(at: 159), 1)
        XCTAssertEqual(sub.interval(at: 160), 2)
        var oneShot = sub
        oneShot.period = 0
        XCTAssertEqual(oneShot.interval(at: 10_000), 1)
    }

    func testCoordinatorKeysAndContainerSet() throws {
        XCTAssertEqual(ContainerSet.hash(["a", "b"]), Keccak256.hash(try ABI.encode(.string("a,b"), as: .string)))
        let node = try Address(hex: "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")
        XCTAssertEqual(CoordinatorKeys.nodeResponded(subscriptionID: 1, interval: 2, node: node),
                       Keccak256.hash(try ABI.encode([.uint(1), .uint(2), .address(node)], as: [.uint32, .uint32, .address])))
    }

    func testDeliverComputeCalldataRoundTrip() throws {
        let output = OnchainOutput(input: Data([1, 2]), output: Data([3]), proof: Data())
        let wallet = try Address(hex: "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359")
        let calldata = try CoordinatorContract.deliverComputeCalldata(subscriptionID: 5, interval: 2, output: output, nodeWallet: wallet)
        XCTAssertEqual(try InfernetABI.Coordinator.deliverCompute.decodeCall(calldata),
                       [.uint(5), .uint(2), .bytes(Data([1, 2])), .bytes(Data([3])), .bytes(Data()), .address(wallet)])
    }

    private func fields(of type: ABIType) -> [ABIType] {
        if case .tuple(let members) = type { return members }
        return []
    }
}

func sampleSubscription() -> Subscription {
    Subscription(
        owner: (try? Address(hex: "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")) ?? .zero, activeAt: 100, period: 60,
        frequency: 10, redundancy: 2, containerID: ContainerSet.hash(["hello-world"]), lazy: false,
        verifier: .zero, paymentAmount: 40_000_000, paymentToken: .zero,
        wallet: (try? Address(hex: "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359")) ?? .zero)
}

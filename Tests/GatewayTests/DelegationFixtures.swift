import EVM
import InfernetSDK
import BusContract
import Foundation
import Gateway
import InfernetCore
import XCTest

/// Shared pieces of the delegated-subscription tests: a chain-enabled config, keys, a fake
/// chain, a recording chain-worker seam and request bodies signed with EVM's EIP-712 code.
enum Delegation {
    static func key(_ index: Int) throws -> PrivateKey {
        try PrivateKey(hex: "0x" + String(repeating: "0", count: 62) + String(format: "%02x", index))
    }

    static let consumer = Address(Data(repeating: 0xc0, count: 20)) ?? .zero
    static let allowedOwner = Address(Data(repeating: 0xa1, count: 20)) ?? .zero
    static let coordinator = Address(Data(repeating: 0xcc, count: 20)) ?? .zero
    static let chainID: UInt64 = 31337
    static let now: UInt64 = 1_700_000_000

    /// `echo` and `second` allow every owner; `guarded` only `allowedOwner`.
    static func config(chainEnabled: Bool = true, directory: URL) throws -> NodeConfig {
        let text = """
            {"chain": {"enabled": \(chainEnabled), "rpc_url": "http://127.0.0.1:9",
                       "registry_address": "0x000000000000000000000000000000000000dEaD",
                       "wallet": {"private_key": "0x\(String(repeating: "0", count: 63))1"}},
             "containers": [
               {"id": "echo"}, {"id": "second"},
               {"id": "guarded", "allowed_delegate_addresses": ["\(allowedOwner.checksummed)"]}
             ],
             "node": {"data_dir": "\(directory.path)", "max_chain_length": 2}}
            """
        return try NodeConfig.parse(Array(text.utf8))
    }

    static func subscription(owner: Address = consumer, containers: [String] = ["echo"],
                             paymentAmount: BigUInt = 0) -> Subscription {
        Subscription(owner: owner, activeAt: UInt32(now), period: 60, frequency: 2, redundancy: 1,
                     containerID: ContainerSet.hash(containers), lazy: false, paymentAmount: paymentAmount)
    }

    static func request(_ sub: Subscription, nonce: UInt32 = 1, expiry: UInt32 = UInt32(now + 3600),
                        signedBy key: PrivateKey, chainID: UInt64 = chainID,
                        coordinator: Address = coordinator) throws -> DelegatedSubscriptionRequest {
        let signature = try DelegateSubscription.sign(nonce: nonce, expiry: expiry, subscription: sub, chainID: chainID,
                                                      coordinator: coordinator, key: key)
        return DelegatedSubscriptionRequest(
            subscription: sub, signature: DelegateSignature(nonce: nonce, expiry: expiry, signature: signature),
            data: ["prompt": "hi"])
    }

    /// The wire form, with `r` and `s` as JSON integers and the amount as a decimal string.
    static func body(_ request: DelegatedSubscriptionRequest) -> String {
        let sub = request.subscription
        let signature = request.signature.signature
        return """
            {"subscription": {"owner": "\(sub.owner.checksummed)", "active_at": \(sub.activeAt), "period": \(sub.period),
              "frequency": \(sub.frequency), "redundancy": \(sub.redundancy), "containers": "\(Hex.encode(sub.containerID))",
              "lazy": \(sub.lazy), "verifier": "\(sub.verifier.checksummed)", "payment_amount": "\(sub.paymentAmount)",
              "payment_token": "\(sub.paymentToken.checksummed)", "wallet": "\(sub.wallet.checksummed)"},
             "signature": {"nonce": \(request.signature.nonce), "expiry": \(request.signature.expiry),
              "v": \(signature.v), "r": \(BigUInt(signature.r)), "s": \(BigUInt(signature.s))},
             "data": \(request.data.jsonText)}
            """
    }
}

/// A chain whose consumer signer is key 1, at block timestamp `Delegation.now`.
struct FakeChainReader: DelegationChainReader {
    var signer: Address
    var createdIDs: [UInt32: UInt32] = [:]
    var timestamp = Delegation.now
    var failure: DelegationReadError?
    var signerFailure: DelegationReadError?

    func domain() async throws(DelegationReadError) -> (chainID: UInt64, coordinator: Address) {
        if let failure { throw failure }
        return (Delegation.chainID, Delegation.coordinator)
    }

    func delegateCreatedID(owner: Address, nonce: UInt32) async throws(DelegationReadError) -> UInt32 {
        if let failure { throw failure }
        return createdIDs[nonce] ?? 0
    }

    func latestBlockTimestamp() async throws(DelegationReadError) -> UInt64 {
        if let failure { throw failure }
        return timestamp
    }

    func signer(of consumer: Address) async throws(DelegationReadError) -> Address {
        if let failure = signerFailure ?? failure { throw failure }
        return signer
    }
}

/// The chain worker's seam: records what it was handed.
final class RecordingHandler: DelegatedSubscriptionHandler, @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [DelegatedSubscriptionMessage] = []

    var messages: [DelegatedSubscriptionMessage] { lock.withLock { stored } }

    func accept(_ message: DelegatedSubscriptionMessage) async throws(APIError) {
        lock.withLock { stored.append(message) }
    }
}

/// An ordered JSON object from a literal (params of expected errors).
func object(_ pairs: KeyValuePairs<String, JSONValue>) -> JSONObject {
    JSONObject(pairs.map { (key: $0.key, value: $0.value) })
}

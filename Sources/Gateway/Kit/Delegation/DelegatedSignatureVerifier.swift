import EVM
import InfernetSDK
import Foundation
import InfernetCore

/// Checks a delegated subscription's EIP-712 signature the way the Coordinator will when the
/// node delivers it, so a subscription that would revert is refused before the node answers.
public protocol DelegatedSignatureVerifier: Sendable {
    func verify(_ request: DelegatedSubscriptionRequest) async throws(DelegatedSignatureError)
}

/// Why a delegated subscription's signature was refused, or could not be checked.
public enum DelegatedSignatureError: Error, Sendable, Equatable {
    /// `expiry` is not after the latest block's timestamp (the Coordinator's SignatureExpired).
    case expired(expiry: UInt32, blockTimestamp: UInt64)
    /// The recovered signer is not the owner's `getSigner()` (the Coordinator's SignerMismatch).
    case signerMismatch(recovered: Address, expected: Address)
    /// No public key can be recovered from the signature.
    case unrecoverable(String)
    /// The owner's `getSigner()` reverted or returned nothing: not a delegator consumer.
    case noSigner(owner: Address, reason: String)
    /// The chain could not be read (RPC down, or the registry/coordinator answered garbage).
    case chainUnavailable(String)

    /// The answer to the client: 400 for what the client can fix, 403 for a signature that is
    /// not the owner's, 503 when the node cannot tell.
    public var apiError: APIError {
        switch self {
        case .expired(let expiry, let timestamp):
            APIError(.badRequest, "Signature expired", params: JSONObject([
                (key: "expiry", value: .number(JSONNumber(literal: String(expiry)))),
                (key: "block_timestamp", value: .number(JSONNumber(literal: String(timestamp)))),
            ]))
        case .signerMismatch(let recovered, let expected):
            APIError(.forbidden, "Invalid signature", params: JSONObject([
                (key: "recovered", value: .string(recovered.checksummed)),
                (key: "expected", value: .string(expected.checksummed)),
            ]))
        case .unrecoverable(let reason):
            APIError(.forbidden, "Invalid signature", params: JSONObject([(key: "reason", value: .string(reason))]))
        case .noSigner(let owner, let reason):
            APIError(.badRequest, "Cannot read the owner's signer", params: JSONObject([
                (key: "owner", value: .string(owner.checksummed)), (key: "reason", value: .string(reason)),
            ]))
        case .chainUnavailable(let reason):
            APIError(.serviceUnavailable, "Cannot check the signature: chain RPC unavailable",
                     params: JSONObject([(key: "reason", value: .string(reason))]))
        }
    }
}

/// The chain reads a signature check needs (JSON-RPC in production, a fake in tests).
public protocol DelegationChainReader: Sendable {
    /// The EIP-712 domain's chain id and verifying contract.
    func domain() async throws(DelegationReadError) -> (chainID: UInt64, coordinator: Address)
    /// `delegateCreatedIds[keccak(owner, nonce)]`: non-zero once the subscription exists on chain.
    func delegateCreatedID(owner: Address, nonce: UInt32) async throws(DelegationReadError) -> UInt32
    func latestBlockTimestamp() async throws(DelegationReadError) -> UInt64
    /// The consumer contract's `getSigner()`.
    func signer(of consumer: Address) async throws(DelegationReadError) -> Address
}

public enum DelegationReadError: Error, Sendable, Equatable {
    /// The RPC endpoint could not be reached or did not answer.
    case unreachable(String)
    /// The call was answered but reverted or returned something undecodable.
    case rejected(String)

    var reason: String {
        switch self {
        case .unreachable(let reason), .rejected(let reason): reason
        }
    }
}

/// The Coordinator's rules (sdk-abi.md, EIP-712): a subscription already created for
/// `(owner, nonce)` is used without a signature check; otherwise the signature must not have
/// expired and must recover to the owner's `getSigner()`.
public struct EIP712SignatureVerifier: DelegatedSignatureVerifier {
    public let reader: any DelegationChainReader

    public init(reader: any DelegationChainReader) { self.reader = reader }

    public func verify(_ request: DelegatedSubscriptionRequest) async throws(DelegatedSignatureError) {
        let sub = request.subscription
        let delegate = request.signature
        let createdID = try await chainRead { () async throws(DelegationReadError) in
            try await reader.delegateCreatedID(owner: sub.owner, nonce: delegate.nonce)
        }
        if createdID != 0 { return }
        let timestamp = try await chainRead { () async throws(DelegationReadError) in try await reader.latestBlockTimestamp() }
        guard UInt64(delegate.expiry) > timestamp else {
            throw .expired(expiry: delegate.expiry, blockTimestamp: timestamp)
        }
        let domain = try await chainRead { () async throws(DelegationReadError) in try await reader.domain() }
        let recovered: Address
        do {
            recovered = try DelegateSubscription.recoverSigner(
                nonce: delegate.nonce, expiry: delegate.expiry, subscription: sub, chainID: domain.chainID,
                coordinator: domain.coordinator, signature: delegate.signature)
        } catch {
            throw .unrecoverable("\(error)")
        }
        let expected: Address
        do {
            expected = try await reader.signer(of: sub.owner)
        } catch .unreachable(let reason) {
            throw .chainUnavailable(reason)
        } catch {
            throw .noSigner(owner: sub.owner, reason: error.reason)
        }
        guard recovered == expected else { throw .signerMismatch(recovered: recovered, expected: expected) }
    }

    /// Coordinator and registry reads that fail in any way mean the node cannot judge: 503.
    private func chainRead<T>(_ body: () async throws(DelegationReadError) -> T) async throws(DelegatedSignatureError) -> T {
        do {
            return try await body()
        } catch {
            throw .chainUnavailable(error.reason)
        }
    }
}

/// For a gateway built without chain access: every delegated subscription gets a clear 503.
public struct UnavailableSignatureVerifier: DelegatedSignatureVerifier {
    public init() {}
    public func verify(_ request: DelegatedSubscriptionRequest) async throws(DelegatedSignatureError) {
        throw .chainUnavailable("this gateway has no chain connection")
    }
}

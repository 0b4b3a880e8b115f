import BusContract
import EVM
import Foundation
import InfernetCore

/// Where delegated subscriptions go once the guardian and the signature check accepted them:
/// the chain worker, which persists them and delivers them with `deliverComputeDelegatee`.
public protocol DelegatedSubscriptionHandler: Sendable {
    /// Returns once the subscription is safely with the chain worker.
    func accept(_ message: DelegatedSubscriptionMessage) async throws(APIError)
}

/// `chain.delegated_subscription` over the bus. The client gets its 200 only after the chain
/// worker replied, so an accepted subscription is never lost to a crash in between.
public struct BusDelegatedSubscriptions: DelegatedSubscriptionHandler {
    public let peer: BusPeer
    /// How long to wait for the chain worker (it only stores the subscription).
    public let timeout: Duration

    public init(peer: BusPeer, timeout: Duration = .seconds(10)) {
        self.peer = peer
        self.timeout = timeout
    }

    public func accept(_ message: DelegatedSubscriptionMessage) async throws(APIError) {
        do {
            _ = try await peer.call(Methods.chain.delegatedSubscription, message, timeout: timeout)
        } catch BusError.timedOut {
            throw APIError(.serviceUnavailable, "Chain worker did not answer",
                           params: JSONObject([(key: "timeout", value: .number(JSONNumber(timeout.inSeconds)))]))
        } catch BusError.failed(let failure) where failure.code == .badRequest || failure.code == .rejected {
            // Only a contract mismatch between gateway and chain worker can get here.
            throw APIError(.internalServerError, "Chain worker refused the subscription",
                           params: JSONObject([(key: "reason", value: .string(failure.message))]))
        } catch {
            throw APIError(.serviceUnavailable, "Chain worker unavailable",
                           params: JSONObject([(key: "reason", value: .string("\(error)"))]))
        }
    }
}

/// For a gateway without a chain worker: refuse clearly.
public struct UnavailableDelegatedSubscriptions: DelegatedSubscriptionHandler {
    public init() {}
    public func accept(_ message: DelegatedSubscriptionMessage) async throws(APIError) {
        throw APIError(.serviceUnavailable, "Delegated subscriptions are not available on this node")
    }
}

extension DelegatedSubscriptionMessage {
    /// The bus form of an accepted request: the SDK's `Subscription` as is, the signature's
    /// parts, the data as the JSON text the client sent.
    public init(_ request: DelegatedSubscriptionRequest, containers: [String]) {
        let signature = request.signature.signature
        self.init(
            subscription: request.subscription, nonce: request.signature.nonce, expiry: request.signature.expiry,
            v: signature.v, r: signature.r, s: signature.s, data: request.data.jsonText, containers: containers)
    }
}

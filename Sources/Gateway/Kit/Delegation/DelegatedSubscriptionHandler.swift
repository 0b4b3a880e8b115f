import EVM
import Foundation
import InfernetBus
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
    /// Seconds to wait for the chain worker (it only stores the subscription).
    public let timeout: Double

    public init(peer: BusPeer, timeout: Double = 10) {
        self.peer = peer
        self.timeout = timeout
    }

    public func accept(_ message: DelegatedSubscriptionMessage) async throws(APIError) {
        let request = BusRequest(id: UUID().uuidString.lowercased(), service: "chain",
                                 method: ChainMethod.delegatedSubscription, body: BusBody.encode(message))
        do {
            _ = try await peer.request(request, timeout: timeout)
        } catch BusError.timedOut {
            throw APIError(.serviceUnavailable, "Chain worker did not answer",
                           params: JSONObject([(key: "timeout", value: .number(JSONNumber(timeout)))]))
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
    /// The bus form of an accepted request: addresses checksummed, the amount in decimal, the
    /// data as the JSON text the client sent.
    public init(_ request: DelegatedSubscriptionRequest, containers: [String]) {
        let sub = request.subscription
        let signature = request.signature.signature
        self.init(
            subscription: SubscriptionMessage(
                owner: sub.owner.checksummed, activeAt: sub.activeAt, period: sub.period, frequency: sub.frequency,
                redundancy: sub.redundancy, containerID: Hex.encode(sub.containerID), lazy: sub.lazy,
                verifier: sub.verifier.checksummed, paymentAmount: String(sub.paymentAmount),
                paymentToken: sub.paymentToken.checksummed, wallet: sub.wallet.checksummed),
            nonce: request.signature.nonce, expiry: request.signature.expiry, v: signature.v,
            r: Hex.encode(signature.r), s: Hex.encode(signature.s), data: request.data.jsonText, containers: containers)
    }
}

import Foundation
import InfernetBus
import InfernetCore
import WorkerKit

/// Serves the chain worker's bus methods: delegated subscriptions from the gateway,
/// transactions for other workers (through the one signer), and status.
public struct ChainRequestHandler: BusRequestHandler {
    let node: ChainNode

    public init(node: ChainNode) { self.node = node }

    public func handle(_ request: BusRequest, peer: BusPeer) async -> BusReply {
        do {
            switch request.method {
            case ChainMethod.status:
                return BusReply(id: request.id, body: BusBody.encode(await node.status()))
            case ChainMethod.delegatedSubscription:
                let message = try decode(DelegatedSubscriptionMessage.self, request)
                guard let store = await node.store, await node.delegated != nil else { throw NotReady() }
                let key = try await store.accept(message)
                return BusReply(id: request.id, body: BusBody.encode(DelegatedSubscriptionAccepted(key: key)))
            case ChainMethod.transact:
                let message = try decode(TransactionMessage.self, request)
                guard let transactions = await node.transactions else { throw NotReady() }
                let intent = try TransactionIntent(message, gasLimit: UInt64(node.config.chain.wallet.maxGasLimit))
                let sent = try await transactions.send(intent, head: await node.lastHead)
                let mined = try await transactions.waitUntilMined(nonce: sent.nonce)
                return BusReply(id: request.id, body: BusBody.encode(TransactionOutcome(
                    transactionHash: mined.hash.hexString, blockNumber: mined.minedBlock ?? 0,
                    succeeded: mined.succeeded == true)))
            default:
                return BusReply(id: request.id, error: "the chain worker has no method '\(request.method)'")
            }
        } catch {
            return BusReply(id: request.id, error: "\(error)")
        }
    }

    private func decode<T: Decodable>(_ type: T.Type, _ request: BusRequest) throws -> T {
        do {
            return try BusBody.decode(type, from: request.body)
        } catch {
            throw MalformedBody(method: request.method, reason: "\(error)")
        }
    }

    struct NotReady: Error, CustomStringConvertible {
        var description: String {
            "the chain worker is not ready: chain disabled, no private key, or the registry not read yet"
        }
    }

    struct MalformedBody: Error, CustomStringConvertible {
        var method: String
        var reason: String
        var description: String { "malformed \(method) request: \(reason)" }
    }
}

import BusContract
import Foundation
import InfernetCore

/// The chain worker's bus methods: status for `/info` and `/metrics`, and delegated
/// subscriptions from the gateway.
public struct ChainRequestHandler: Sendable {
    let node: ChainNode

    public init(node: ChainNode) { self.node = node }

    public var router: BusRouter {
        var router = BusRouter(service: .chain)
        router.on(Methods.chain.status) { _ in await node.status() }
        router.on(Methods.chain.delegatedSubscription) { message in
            guard let store = await node.store, await node.delegated != nil else {
                throw BusFailure(.unavailable, "the chain worker is not ready: chain disabled, no private key, "
                                 + "or the registry not read yet")
            }
            return DelegatedSubscriptionAccepted(key: try await store.accept(message))
        }
        return router
    }
}

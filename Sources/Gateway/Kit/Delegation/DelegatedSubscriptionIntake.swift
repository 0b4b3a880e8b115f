import BusContract
import InfernetCore

/// A delegated subscription after the guardian: its signature is checked on chain, then it is
/// handed to the chain worker. The client's 200 means both happened.
struct DelegatedSubscriptionIntake: Sendable {
    let verifier: any DelegatedSignatureVerifier
    let handler: any DelegatedSubscriptionHandler

    /// `containers`: the chain the subscription's container-set hash stands for.
    func accept(_ request: DelegatedSubscriptionRequest, containers: [String]) async throws(APIError) {
        do {
            try await verifier.verify(request)
        } catch {
            throw error.apiError
        }
        try await handler.accept(DelegatedSubscriptionMessage(request, containers: containers))
    }
}

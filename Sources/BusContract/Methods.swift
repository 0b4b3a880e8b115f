import InfernetBus
import InfernetSDK

/// Every bus method, defined once: `peer.call(Methods.payment.check, request, timeout:)` on
/// the caller's side, `router.on(Methods.payment.check) { ... }` on the worker's.
/// docs/architecture.md ("Bus methods") lists them with their callers.
public enum Methods {
    public static let compute = ComputeMethods()
    public static let chain = ChainMethods()
    public static let payment = PaymentMethods()
    /// The broker's own figures (answered by the broker, no worker).
    public static let brokerStatistics = BrokerStatistics.method
}

/// Served by compute workers (routed by `containers`: only a worker serving all of them).
public struct ComputeMethods: Sendable {
    /// Runs a container chain; with `ComputeRequest.stream` the first container's output is
    /// streamed in chunks (`BusPeer.stream`). The request id is the job id.
    public let run = BusMethod<ComputeRequest, ComputeResult>(.compute, "compute.run")
    /// Every container's `/service-resources`.
    public let resources = BusMethod<ResourcesRequest, ResourcesResult>(.compute, "compute.resources")
}

/// Served by the chain worker.
public struct ChainMethods: Sendable {
    /// The chain worker's figures for `/info` and `/metrics`.
    public let status = BusMethod<BusEmpty, ChainStatus>(.chain, "chain.status")
    /// A delegated subscription whose signature the gateway checked: stored, then delivered
    /// with `deliverComputeDelegatee`. Fails `unavailable` while the chain worker is not ready.
    public let delegatedSubscription = BusMethod<DelegatedSubscriptionMessage, DelegatedSubscriptionAccepted>(
        .chain, "chain.delegated_subscription")
}

/// Served by the payment worker.
public struct PaymentMethods: Sendable {
    /// May the node run this subscription (and which approval must go out first)?
    public let check = BusMethod<PaymentCheckRequest, PaymentDecision>(.payment, "payment.check")
    /// Records what a mined delivery paid (idempotent: request id `receipt-<hash>`, ledger rows
    /// keyed by hash and log index).
    public let record = BusMethod<DeliveryReceipt, PaymentRecordResult>(.payment, "payment.record")
    /// What the ledger holds.
    public let earnings = BusMethod<BusEmpty, EarningsSummary>(.payment, "payment.earnings")
}

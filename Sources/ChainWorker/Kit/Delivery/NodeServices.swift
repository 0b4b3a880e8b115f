import BusContract
import Foundation
import InfernetCore

/// Runs container chains for the chain worker (compute workers over the bus; a fake in tests).
public protocol ComputeService: Sendable {
    func run(_ request: ComputeRequest, timeout: Double) async throws -> ComputeResult
}

/// Asks the payment worker about subscriptions and tells it about mined deliveries.
public protocol PaymentService: Sendable {
    func check(_ request: PaymentCheckRequest) async throws -> PaymentDecision
    func record(_ receipt: DeliveryReceipt) async throws
}

/// Both, over the node's bus: the only implementation besides the tests' fakes.
public struct BusNodeServices: ComputeService, PaymentService {
    public let peer: BusPeer
    public var paymentTimeout: Duration = .seconds(30)

    public init(peer: BusPeer) { self.peer = peer }

    /// The job id is the request id, so a re-sent delivery runs once.
    public func run(_ request: ComputeRequest, timeout: Double) async throws -> ComputeResult {
        try await peer.call(Methods.compute.run, request, id: request.jobID, containers: request.containers,
                            timeout: .seconds(timeout))
    }

    public func check(_ request: PaymentCheckRequest) async throws -> PaymentDecision {
        try await peer.call(Methods.payment.check, request, timeout: paymentTimeout)
    }

    /// `receipt-<hash>` as the id: a receipt re-sent from the outbox is recorded once.
    public func record(_ receipt: DeliveryReceipt) async throws {
        _ = try await peer.call(Methods.payment.record, receipt, id: "receipt-\(receipt.transactionHash)",
                                timeout: paymentTimeout)
    }
}

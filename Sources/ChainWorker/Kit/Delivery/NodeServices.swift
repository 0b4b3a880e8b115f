import Foundation
import InfernetBus
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

/// Both, over the node's bus.
public struct BusNodeServices: ComputeService, PaymentService {
    public let peer: BusPeer
    public var paymentTimeout = 30.0

    public init(peer: BusPeer) { self.peer = peer }

    public func run(_ request: ComputeRequest, timeout: Double) async throws -> ComputeResult {
        let reply = try await peer.request(
            BusRequest(id: request.jobID, service: "compute", method: ComputeMethod.run, containers: request.containers,
                       body: BusBody.encode(request)),
            timeout: timeout)
        return try BusBody.decode(ComputeResult.self, from: reply.body)
    }

    public func check(_ request: PaymentCheckRequest) async throws -> PaymentDecision {
        let reply = try await peer.request(
            BusRequest(id: UUID().uuidString.lowercased(), service: "payment", method: PaymentMethod.check,
                       body: BusBody.encode(request)),
            timeout: paymentTimeout)
        return try BusBody.decode(PaymentDecision.self, from: reply.body)
    }

    public func record(_ receipt: DeliveryReceipt) async throws {
        _ = try await peer.request(
            BusRequest(id: "receipt-\(receipt.transactionHash)", service: "payment", method: PaymentMethod.record,
                       body: BusBody.encode(receipt)),
            timeout: paymentTimeout)
    }
}

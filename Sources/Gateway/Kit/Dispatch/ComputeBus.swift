import Foundation
import InfernetBus
import InfernetCore

/// What the gateway needs from the bus: run jobs on compute workers, ask them for resources,
/// and read the broker's figures. `BusComputeClient` is the real one.
public protocol ComputeBus: Sendable {
    func run(_ request: ComputeRequest, timeout: Double) async throws -> ComputeResult
    /// Chunks of the first container's output, then the final result.
    func stream(_ request: ComputeRequest, timeout: Double) -> AsyncThrowingStream<StreamEvent, any Error>
    func resources(modelID: String?, timeout: Double) async throws -> ResourcesResult
    func statistics(timeout: Double) async throws -> BrokerStatistics
    /// Fails every request still waiting with `BusError.stopped`.
    func close()
    /// The chain worker's figures (`chain.status`).
    func chainStatus(timeout: Double) async throws -> ChainStatus
}

extension ComputeBus {
    public func chainStatus(timeout: Double) async throws -> ChainStatus { throw BusError.remote("no chain worker") }
}

/// `ComputeBus` over a `BusPeer` connected to the node's broker.
public struct BusComputeClient: ComputeBus {
    public let peer: BusPeer

    public init(peer: BusPeer) { self.peer = peer }

    public func run(_ request: ComputeRequest, timeout: Double) async throws -> ComputeResult {
        let reply = try await peer.request(Self.busRequest(request), timeout: timeout)
        return try BusBody.decode(ComputeResult.self, from: reply.body)
    }

    public func stream(_ request: ComputeRequest, timeout: Double) -> AsyncThrowingStream<StreamEvent, any Error> {
        peer.stream(Self.busRequest(request), timeout: timeout)
    }

    public func resources(modelID: String?, timeout: Double) async throws -> ResourcesResult {
        let request = BusRequest(
            id: UUID().uuidString.lowercased(), service: "compute", method: ComputeMethod.resources,
            body: BusBody.encode(ResourcesRequest(modelID: modelID)))
        let reply = try await peer.request(request, timeout: timeout)
        return try BusBody.decode(ResourcesResult.self, from: reply.body)
    }

    public func statistics(timeout: Double) async throws -> BrokerStatistics {
        let request = BusRequest(id: UUID().uuidString.lowercased(), service: BrokerStatistics.service, method: "statistics", body: "{}")
        let reply = try await peer.request(request, timeout: timeout)
        return try BusBody.decode(BrokerStatistics.self, from: reply.body)
    }

    public func close() { peer.stop() }

    public func chainStatus(timeout: Double) async throws -> ChainStatus {
        let request = BusRequest(id: UUID().uuidString.lowercased(), service: "chain", method: ChainMethod.status, body: "{}")
        let reply = try await peer.request(request, timeout: timeout)
        return try BusBody.decode(ChainStatus.self, from: reply.body)
    }

    static func busRequest(_ request: ComputeRequest) -> BusRequest {
        BusRequest(id: request.jobID, service: "compute", method: ComputeMethod.run, containers: request.containers,
                   stream: request.stream, body: BusBody.encode(request))
    }
}

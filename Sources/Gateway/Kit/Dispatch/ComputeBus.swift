import BusContract
import Foundation
import InfernetCore

/// What the gateway needs from the bus: run jobs on compute workers, ask them for resources,
/// and read the broker's and the chain worker's figures. `BusComputeClient` is the real one.
public protocol ComputeBus: Sendable {
    func run(_ request: ComputeRequest, timeout: Duration) async throws -> ComputeResult
    /// Chunks of the first container's output, then the final result.
    func stream(_ request: ComputeRequest, timeout: Duration) -> AsyncThrowingStream<BusStreamEvent<ComputeResult>, any Error>
    func resources(modelID: String?, timeout: Duration) async throws -> ResourcesResult
    func statistics(timeout: Duration) async throws -> BrokerStatistics
    /// Fails every request still waiting with `BusError.stopped`.
    func close()
    /// The chain worker's figures (`chain.status`).
    func chainStatus(timeout: Duration) async throws -> ChainStatus
}

extension ComputeBus {
    public func chainStatus(timeout: Duration) async throws -> ChainStatus {
        throw BusError.failed(BusFailure(.unavailable, "no chain worker"))
    }
}

/// `ComputeBus` over a `BusPeer` connected to the node's broker. Compute requests use the job
/// id as the request id (a re-send is run once) and route by the job's containers.
public struct BusComputeClient: ComputeBus {
    public let peer: BusPeer

    public init(peer: BusPeer) { self.peer = peer }

    public func run(_ request: ComputeRequest, timeout: Duration) async throws -> ComputeResult {
        try await peer.call(Methods.compute.run, request, id: request.jobID, containers: request.containers,
                            timeout: timeout)
    }

    public func stream(_ request: ComputeRequest, timeout: Duration) -> AsyncThrowingStream<BusStreamEvent<ComputeResult>, any Error> {
        peer.stream(Methods.compute.run, request, id: request.jobID, containers: request.containers, timeout: timeout)
    }

    public func resources(modelID: String?, timeout: Duration) async throws -> ResourcesResult {
        try await peer.call(Methods.compute.resources, ResourcesRequest(modelID: modelID), timeout: timeout)
    }

    public func statistics(timeout: Duration) async throws -> BrokerStatistics {
        try await peer.call(Methods.brokerStatistics, BusEmpty(), timeout: timeout)
    }

    public func close() { peer.stop() }

    public func chainStatus(timeout: Duration) async throws -> ChainStatus {
        try await peer.call(Methods.chain.status, BusEmpty(), timeout: timeout)
    }
}

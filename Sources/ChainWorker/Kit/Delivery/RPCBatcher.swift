import EVM
import Foundation

/// What `RPCBatcher` sends through: single calls and JSON-RPC batches (the client; a fake in tests).
public protocol RPCBatchSender: RPCRequesting {
    func batch(_ calls: [(method: String, params: [RPCValue])]) async throws -> [Result<RPCValue, RPCError>]
}

extension JSONRPCClient: RPCBatchSender {}

/// Coalesces the deliveries' concurrent `eth_call`s (consumer inputs) and `eth_estimateGas`es
/// (simulations) into JSON-RPC batches: one call at a time goes out alone; calls asked for while
/// one is out wait, and the first of them sends all that waited as one batch (at most
/// `maxBatchSize`). The same calls, in fewer HTTP requests: with many deliveries under way the RPC
/// node (and the node's own HTTP client) parses one request per batch instead of one per call.
/// Each call's answer, or its own JSON-RPC error (a revert, with its data), goes to its caller.
/// `call` and `estimateGas` decode results as the client does (`RPCRequesting`).
public actor RPCBatcher: ContractCaller, RPCRequesting {
    private let sender: any RPCBatchSender
    public let maxBatchSize: Int
    private let queue: LeaderQueue<Call, RPCValue>
    /// HTTP requests sent so far (single calls and batches), for tests and logs.
    public private(set) var requestsSent = 0

    private struct Call {
        var method: String
        var params: [RPCValue]
    }

    public init(sender: any RPCBatchSender, maxBatchSize: Int = 50) {
        self.sender = sender
        self.maxBatchSize = max(1, maxBatchSize)
        queue = LeaderQueue(maxGroupSize: maxBatchSize)
    }

    /// One call, sent alone or in a batch with others asked for at the same time.
    public func request(_ method: String, _ params: [RPCValue]) async throws -> RPCValue {
        try await queue.submit(Call(method: method, params: params)) { group in await send(group) }
    }

    private func send(_ group: [Call]) async -> [Result<RPCValue, any Error>] {
        requestsSent += 1
        if group.count == 1 {
            do { return [.success(try await sender.request(group[0].method, group[0].params))] } catch { return [.failure(error)] }
        }
        do {
            let replies = try await sender.batch(group.map { (method: $0.method, params: $0.params) })
            return group.indices.map { index in
                guard index < replies.count else {
                    return .failure(RPCError.invalidResponse("no answer in the batch", method: group[index].method))
                }
                return replies[index].mapError { $0 as any Error }
            }
        } catch {
            return group.map { _ in .failure(error) }
        }
    }
}

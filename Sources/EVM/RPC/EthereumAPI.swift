import BigInt
import Foundation

/// Something that can run `eth_call` (the JSON-RPC client; a mock in tests).
public protocol ContractCaller: Sendable {
    func call(_ request: CallRequest, block: BlockTag) async throws -> Data
}

/// Something that sends one JSON-RPC call and returns its result: the client, or a batcher in
/// front of it (the chain worker's `RPCBatcher`).
public protocol RPCRequesting: Sendable {
    func request(_ method: String, _ params: [RPCValue]) async throws -> RPCValue
}

/// `eth_call` and `eth_estimateGas` with their results decoded, over any requester.
extension RPCRequesting {
    /// `eth_call`; a revert throws `RPCError.server` whose `revertReason` decodes the data.
    public func call(_ call: CallRequest, block: BlockTag = .latest) async throws -> Data {
        let result = try await request("eth_call", [call.rpcValue, block.rpcValue])
        return try RPCObjectReader.bytes(result, context: "eth_call")
    }

    public func estimateGas(_ call: CallRequest, block: BlockTag? = nil) async throws -> UInt64 {
        var params = [call.rpcValue]
        if let block { params.append(block.rpcValue) }
        return try RPCObjectReader.uint64(try await request("eth_estimateGas", params), context: "eth_estimateGas")
    }
}

/// Typed Ethereum methods the node uses.
extension JSONRPCClient: ContractCaller, RPCRequesting {
    public func chainID() async throws -> UInt64 {
        try decodeUInt64(try await request("eth_chainId"), "eth_chainId")
    }

    /// The head block number. With several URLs, every `headCheckInterval` this asks all of them,
    /// sets aside those lagging more than `maxLagBlocks`, and returns the highest head.
    public func blockNumber() async throws -> UInt64 {
        if await pool.headCheckDue(interval: configuration.headCheckInterval) {
            let candidates = await pool.headCheckCandidates()
            let heads = await withTaskGroup(of: (Int, UInt64?).self) { group in
                for index in candidates {
                    group.addTask {
                        let url = await self.pool.url(index)
                        let payload: RPCValue = .object(["jsonrpc": "2.0", "id": .int(0), "method": "eth_blockNumber", "params": .array([])])
                        guard let response = try? await self.post(payload, url: url, method: "eth_blockNumber"),
                              let result = try? Self.result(of: response, url: url, method: "eth_blockNumber"),
                              let head = try? RPCObjectReader.uint64(result, context: "eth_blockNumber")
                        else {
                            await self.pool.reportFailure(index, reason: "eth_blockNumber failed during head check")
                            return (index, nil)
                        }
                        return (index, head)
                    }
                }
                var heads: [Int: UInt64] = [:]
                for await (index, head) in group { if let head { heads[index] = head } }
                return heads
            }
            if let best = await pool.recordHeads(heads, maxLag: configuration.maxLagBlocks) { return best }
        }
        return try decodeUInt64(try await request("eth_blockNumber"), "eth_blockNumber")
    }

    /// A block with transaction hashes (nil if unknown).
    public func block(_ tag: BlockTag) async throws -> Block? {
        let result = try await request("eth_getBlockByNumber", [tag.rpcValue, false])
        return result.isNull ? nil : try Block(rpc: result)
    }

    public func block(hash: Data) async throws -> Block? {
        let result = try await request("eth_getBlockByHash", [.string(hash.hexString), false])
        return result.isNull ? nil : try Block(rpc: result)
    }

    public func gasPrice() async throws -> BigUInt {
        try RPCObjectReader.uint(try await request("eth_gasPrice"), context: "eth_gasPrice")
    }

    public func maxPriorityFeePerGas() async throws -> BigUInt {
        try RPCObjectReader.uint(try await request("eth_maxPriorityFeePerGas"), context: "eth_maxPriorityFeePerGas")
    }

    public func feeHistory(blockCount: UInt64, newest: BlockTag = .latest, rewardPercentiles: [Double] = []) async throws -> FeeHistory {
        let result = try await request("eth_feeHistory", [.string(blockCount.quantityHex), newest.rpcValue,
                                                          .array(rewardPercentiles.map { .double($0) })])
        return try FeeHistory(rpc: result)
    }

    public func transactionCount(_ address: Address, block: BlockTag = .pending) async throws -> UInt64 {
        try decodeUInt64(try await request("eth_getTransactionCount", [.string(address.hex), block.rpcValue]),
                         "eth_getTransactionCount")
    }

    /// Sends a signed transaction; returns its hash.
    public func sendRawTransaction(_ raw: Data) async throws -> Data {
        try RPCObjectReader.bytes(try await request("eth_sendRawTransaction", [.string(raw.hexString)]),
                                  context: "eth_sendRawTransaction")
    }

    public func sendRawTransaction(_ transaction: SignedTransaction) async throws -> Data {
        try await sendRawTransaction(transaction.raw)
    }

    /// Several signed transactions in one JSON-RPC batch, in order: each one's hash, or the
    /// chain's refusal of it.
    public func sendRawTransactions(_ raws: [Data]) async throws -> [Result<Data, RPCError>] {
        let replies = try await batch(raws.map { (method: "eth_sendRawTransaction", params: [.string($0.hexString)]) })
        return replies.map { reply in
            reply.flatMap { value in
                Result { () throws(RPCError) -> Data in try RPCObjectReader.bytes(value, context: "eth_sendRawTransaction") }
            }
        }
    }

    /// The receipt, or nil while the transaction is pending or unknown.
    public func transactionReceipt(_ hash: Data) async throws -> TransactionReceipt? {
        let result = try await request("eth_getTransactionReceipt", [.string(hash.hexString)])
        return result.isNull ? nil : try TransactionReceipt(rpc: result)
    }

    /// Receipts of many transactions in one JSON-RPC batch (nil where pending or unknown).
    public func transactionReceipts(_ hashes: [Data]) async throws -> [TransactionReceipt?] {
        guard !hashes.isEmpty else { return [] }
        let results = try await batch(hashes.map { (method: "eth_getTransactionReceipt", params: [.string($0.hexString)]) })
        return try results.map { result in
            let value = try result.get()
            return value.isNull ? nil : try TransactionReceipt(rpc: value)
        }
    }

    public func logs(_ filter: LogFilter) async throws -> [Log] {
        let result = try await request("eth_getLogs", [filter.rpcValue])
        guard let items = result.arrayValue else { throw RPCError.invalidResponse("not an array", method: "eth_getLogs") }
        return try items.map { try Log(rpc: $0) }
    }

    public func balance(_ address: Address, block: BlockTag = .latest) async throws -> BigUInt {
        try RPCObjectReader.uint(try await request("eth_getBalance", [.string(address.hex), block.rpcValue]),
                                 context: "eth_getBalance")
    }

    public func code(_ address: Address, block: BlockTag = .latest) async throws -> Data {
        try RPCObjectReader.bytes(try await request("eth_getCode", [.string(address.hex), block.rpcValue]), context: "eth_getCode")
    }

    private func decodeUInt64(_ value: RPCValue, _ method: String) throws -> UInt64 {
        try RPCObjectReader.uint64(value, context: method)
    }
}

import EVM
import InfernetSDK
import Foundation

/// Talking to the devnet from a test: its prefunded keys, signed transactions, dev methods.
public struct DevnetClient: Sendable {
    public let rpc: JSONRPCClient

    public init(rpcURL: String) { rpc = JSONRPCClient(urls: [rpcURL]) }

    /// Prefunded key `index` (1...10): `0x00…0<index>`.
    public static func key(_ index: Int) throws -> PrivateKey {
        try PrivateKey(hex: String(repeating: "0", count: 62) + String(format: "%02x", index))
    }

    public struct Reverted: Error, CustomStringConvertible {
        public let description: String
    }

    /// Signs (EIP-1559) and sends a transaction, then waits for its receipt; throws if it reverted.
    @discardableResult
    public func send(from key: PrivateKey, to: Address, data: Data, value: BigUInt = 0,
                     expectSuccess: Bool = true) async throws -> TransactionReceipt {
        let chainID = try await rpc.chainID()
        let nonce = try await rpc.transactionCount(key.address)
        let gas = expectSuccess ? try await rpc.estimateGas(CallRequest(from: key.address, to: to, data: data, value: value)) : 3_000_000
        let head = try await rpc.block(.latest)
        let tip = try await rpc.maxPriorityFeePerGas()
        let baseFee = head?.baseFeePerGas ?? 1_000_000_000
        let tx = Transaction.eip1559(EIP1559Transaction(chainID: chainID, nonce: nonce, maxPriorityFeePerGas: tip,
                                                        maxFeePerGas: baseFee * 2 + tip, gasLimit: gas * 2, to: to,
                                                        value: value, data: data))
        let hash = try await rpc.sendRawTransaction(try tx.signed(with: key))
        for _ in 0..<200 {
            if let receipt = try await rpc.transactionReceipt(hash) {
                if expectSuccess && !receipt.succeeded { throw Reverted(description: "transaction \(hash.hexString) reverted") }
                return receipt
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw RPCError.invalidResponse("no receipt for \(hash.hexString)", method: "eth_getTransactionReceipt")
    }

    /// Calls `function` with `arguments` as a transaction.
    @discardableResult
    public func send(from key: PrivateKey, to: Address, _ function: ABIFunction, _ arguments: [ABIValue],
                     value: BigUInt = 0) async throws -> TransactionReceipt {
        try await send(from: key, to: to, data: try function.encodeCall(arguments), value: value)
    }

    /// A view call's decoded results.
    public func call(_ to: Address, _ function: ABIFunction, _ arguments: [ABIValue] = []) async throws -> [ABIValue] {
        try function.decodeOutput(try await rpc.call(CallRequest(to: to, data: try function.encodeCall(arguments))))
    }

    /// Mines one empty block (the devnet automines only when a transaction arrives).
    public func mine() async throws {
        _ = try await rpc.request("evm_mine")
    }

    /// The subscription id in a receipt's `SubscriptionCreated` log.
    public static func createdSubscriptionID(_ receipt: TransactionReceipt) -> UInt32? {
        let topic = InfernetABI.Coordinator.subscriptionCreated.topic
        guard let log = receipt.logs.first(where: { $0.topics.first == topic }), log.topics.count > 1 else { return nil }
        return UInt32(exactly: BigUInt(log.topics[1]))
    }
}

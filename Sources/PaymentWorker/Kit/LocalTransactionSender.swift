import EVM
import Foundation

/// Errors of the operator's wallet commands. None of them carries the private key.
public enum WalletCommandError: Error, Equatable, Sendable, CustomStringConvertible {
    case missingPrivateKey
    case invalidPrivateKey
    case missingRPCURL
    case missingRegistry
    case missingPaymentAddress
    case invalidAddress(key: String, value: String)
    case invalidAmount(String)
    case rpcUnreachable(url: String, reason: String)
    case rpc(String)
    /// `eth_estimateGas` reverted: the transaction would fail, so it was not sent.
    case wouldRevert(action: String, reason: String)
    /// Mined with status 0.
    case reverted(action: String, hash: String, reason: String)
    case noReceipt(hash: String, seconds: Int)
    case walletCreatedEventMissing(hash: String)

    public var description: String {
        switch self {
        case .missingPrivateKey:
            "chain.wallet.private_key (or chain.wallet.private_key_env) is not set in the config: the node has no key to sign with"
        case .invalidPrivateKey: "chain.wallet.private_key is not a valid secp256k1 key (32 bytes of hex; the value is not shown)"
        case .missingRPCURL: "chain.rpc_url is not set in the config"
        case .missingRegistry: "chain.registry_address is not set in the config (the WalletFactory is found through it)"
        case .missingPaymentAddress:
            "chain.wallet.payment_address is not set: create the node's Wallet with `infernet-node wallet create` and put its address there"
        case .invalidAddress(let key, let value): "\(key) '\(value)' is not an address (0x followed by 40 hex digits)"
        case .invalidAmount(let text): "amount '\(text)' is not a whole number of wei (digits only)"
        case .rpcUnreachable(let url, let reason): "cannot reach the RPC at \(url): \(reason)"
        case .rpc(let reason): "RPC error: \(reason)"
        case .wouldRevert(let action, let reason): "\(action) would revert, not sent: \(reason)"
        case .reverted(let action, let hash, let reason): "\(action) transaction \(hash) reverted: \(reason)"
        case .noReceipt(let hash, let seconds): "transaction \(hash) was sent but not mined within \(seconds) s; check it later"
        case .walletCreatedEventMissing(let hash): "transaction \(hash) succeeded but emitted no WalletCreated event"
        }
    }
}

/// Signs transactions with the node's key locally (EIP-1559) and sends them, for the operator
/// commands (the running node's transactions go through the chain worker's one signer instead).
public struct LocalTransactionSender: Sendable {
    public let rpc: JSONRPCClient
    let key: PrivateKey
    public let maxGasLimit: UInt64
    public let receiptTimeout: Duration
    /// `node.max_fee_per_gas_gwei` caps the fees, as for the running node's transactions.
    public let feePolicy: FeePolicy

    public init(rpc: JSONRPCClient, key: PrivateKey, maxGasLimit: UInt64, receiptTimeout: Duration = .seconds(120),
                feePolicy: FeePolicy = FeePolicy(ceilingGwei: 500)) {
        self.rpc = rpc
        self.key = key
        self.maxGasLimit = maxGasLimit
        self.receiptTimeout = receiptTimeout
        self.feePolicy = feePolicy
    }

    public var address: Address { key.address }

    /// Estimates, signs, sends and waits for the receipt. A revert (simulated or mined) throws
    /// with the SDK error name decoded from the revert data.
    public func send(_ action: String, to: Address, data: Data, value: BigUInt = 0) async throws(WalletCommandError) -> TransactionReceipt {
        let call = CallRequest(from: address, to: to, data: data, value: value)
        let (chainID, nonce, gas, fees) = try await Self.rpcCall(rpc) { [rpc, address, feePolicy] in
            let chainID = try await rpc.chainID()
            let nonce = try await rpc.transactionCount(address, block: .pending)
            let gas = try await rpc.estimateGas(call)
            return (chainID, nonce, gas, try await Self.fees(rpc, policy: feePolicy))
        } reverted: { reason in .wouldRevert(action: action, reason: reason) }
        // Headroom over the estimate (state may move between estimate and inclusion), capped by
        // the configured max_gas_limit.
        let gasLimit = min(gas + gas / 5, max(maxGasLimit, gas))
        let transaction = Transaction.eip1559(EIP1559Transaction(
            chainID: chainID, nonce: nonce, maxPriorityFeePerGas: fees.maxPriorityFeePerGas, maxFeePerGas: fees.maxFeePerGas, gasLimit: gasLimit,
            to: to, value: value, data: data))
        let signed: SignedTransaction
        do { signed = try transaction.signed(with: key) } catch { throw .invalidPrivateKey }
        let hash = try await Self.rpcCall(rpc) { [rpc] in try await rpc.sendRawTransaction(signed) } reverted: { reason in
            .wouldRevert(action: action, reason: reason)
        }
        let receipt = try await waitForReceipt(hash)
        guard receipt.succeeded else {
            throw .reverted(action: action, hash: hash.hexString, reason: await replayRevert(call, block: receipt.blockNumber))
        }
        return receipt
    }

    private func waitForReceipt(_ hash: Data) async throws(WalletCommandError) -> TransactionReceipt {
        let clock = ContinuousClock()
        let deadline = clock.now + receiptTimeout
        while clock.now < deadline {
            let receipt = try await Self.rpcCall(rpc) { [rpc] in try await rpc.transactionReceipt(hash) } reverted: { .rpc($0) }
            if let receipt { return receipt }
            try? await Task.sleep(for: .milliseconds(250))
        }
        throw .noReceipt(hash: hash.hexString, seconds: Int(receiptTimeout.components.seconds))
    }

    /// Why a mined transaction failed: the same call replayed on the block it was mined in.
    private func replayRevert(_ call: CallRequest, block: UInt64) async -> String {
        do {
            _ = try await rpc.call(call, block: .number(block))
            return "status 0 (the replay did not revert; out of gas?)"
        } catch let error as RPCError {
            return error.revertReason?.description ?? "\(error)"
        } catch {
            return "\(error)"
        }
    }

    /// EIP-1559 fees by the node's one fee policy (the chain worker's signer prices the same way).
    static func fees(_ rpc: JSONRPCClient, policy: FeePolicy) async throws -> FeePolicy.Fees {
        let history = try await rpc.feeHistory(blockCount: FeePolicy.historyBlocks, newest: .latest,
                                               rewardPercentiles: FeePolicy.rewardPercentiles)
        return policy.fees(history: history, suggestedTip: try? await rpc.maxPriorityFeePerGas())
    }

    /// Runs RPC calls, turning their errors into `WalletCommandError`s: unreachable endpoints,
    /// reverts (through `reverted`, with the decoded SDK error) and anything else.
    static func rpcCall<T: Sendable>(_ rpc: JSONRPCClient, _ body: @Sendable () async throws -> T,
                                     reverted: (String) -> WalletCommandError) async throws(WalletCommandError) -> T {
        do {
            return try await body()
        } catch let error as RPCError {
            switch error {
            case .transport(let reason, let url): throw .rpcUnreachable(url: url, reason: reason)
            case .noEndpoints: throw .missingRPCURL
            default:
                if let reason = error.revertReason { throw reverted(reason.description) }
                throw .rpc("\(error)")
            }
        } catch {
            throw .rpc("\(error)")
        }
    }
}

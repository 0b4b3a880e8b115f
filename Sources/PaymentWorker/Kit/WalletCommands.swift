import EVM
import InfernetSDK
import Foundation
import InfernetCore

/// A mined transaction, as the commands print it.
public struct TransactionSummary: Equatable, Sendable, CustomStringConvertible {
    public var hash: String
    public var blockNumber: UInt64
    public var succeeded: Bool
    public var gasUsed: UInt64

    init(_ receipt: TransactionReceipt) {
        hash = receipt.transactionHash.hexString
        blockNumber = receipt.blockNumber
        succeeded = receipt.succeeded
        gasUsed = receipt.gasUsed
    }

    public var description: String {
        "transaction \(hash): \(succeeded ? "success" : "reverted") (block \(blockNumber), gas used \(gasUsed))"
    }
}

/// What `wallet balances` reports.
public struct WalletBalances: Equatable, Sendable, CustomStringConvertible {
    public struct TokenLine: Equatable, Sendable {
        /// Zero = ETH.
        public var token: Address
        public var balance: BigUInt
        /// What the Wallet lets the node's EOA spend (proof collateral).
        public var allowanceToNode: BigUInt
    }

    public var node: Address
    public var nodeETH: BigUInt
    /// nil when `payment_address` is not configured.
    public var wallet: Address?
    public var walletIsValid: Bool
    public var walletOwner: Address?
    public var tokens: [TokenLine]

    public var description: String {
        var lines = ["node EOA \(node.checksummed): \(nodeETH) wei"]
        guard let wallet else {
            lines.append("payment wallet: chain.wallet.payment_address not configured (create one with `infernet-node wallet create`)")
            return lines.joined(separator: "\n")
        }
        var header = "payment wallet \(wallet.checksummed)"
        header += walletIsValid ? "" : " (NOT created by the WalletFactory: the Coordinator will refuse to pay it)"
        if let owner = walletOwner, owner != node { header += " (owned by \(owner.checksummed), not the node's EOA)" }
        lines.append(header)
        for line in tokens {
            let name = line.token == .zero ? "ETH" : "token \(line.token.checksummed)"
            lines.append("  \(name): balance \(line.balance) wei, allowance to node EOA \(line.allowanceToNode) wei")
        }
        return lines.joined(separator: "\n")
    }
}

/// The operator's wallet commands (`infernet-node wallet …`), driven by the node's config:
/// its key signs, its RPC sends, its registry locates the WalletFactory.
public struct WalletCommands: Sendable {
    public let config: NodeConfig
    public let sender: LocalTransactionSender
    public let registry: Address

    public init(config: NodeConfig, receiptTimeout: Duration = .seconds(120)) throws(WalletCommandError) {
        let chain = config.chain
        // The config parsed and checked these at load; here they are only required.
        guard let key = chain.wallet.privateKey?.privateKey else { throw .missingPrivateKey }
        guard chain.rpcURL != nil else { throw .missingRPCURL }
        guard let registry = chain.registryAddress else { throw .missingRegistry }
        self.registry = registry
        var rpcConfiguration = JSONRPCConfiguration(endpoints: chain.rpcURLs)
        // An operator at a terminal wants a dead RPC reported in seconds, not after long back-off.
        rpcConfiguration.maxAttempts = 2
        self.config = config
        sender = LocalTransactionSender(rpc: JSONRPCClient(configuration: rpcConfiguration), key: key,
                                        maxGasLimit: UInt64(max(chain.wallet.maxGasLimit, 21_000)), receiptTimeout: receiptTimeout,
                                        feePolicy: FeePolicy(ceilingGwei: config.node.maxFeePerGasGwei))
    }

    public var nodeAddress: Address { sender.address }

    /// `WalletFactory.createWallet(nodeEOA)`; returns the new Wallet from the WalletCreated event.
    public func createWallet() async throws(WalletCommandError) -> (wallet: Address, transaction: TransactionSummary) {
        let factory = try await walletFactory()
        let data: Data
        do { data = try WalletFactoryContract.createWalletCalldata(owner: nodeAddress) } catch { throw .rpc("\(error)") }
        let receipt = try await sender.send("createWallet", to: factory, data: data)
        let event = InfernetABI.WalletFactory.walletCreated
        for log in receipt.logs where log.address == factory && log.topics.first == event.topic {
            if let values = try? event.decodeLog(topics: log.topics, data: log.data), values.count == 3,
               let wallet = try? values[2].addressValue() {
                return (wallet, TransactionSummary(receipt))
            }
        }
        throw .walletCreatedEventMissing(hash: receipt.transactionHash.hexString)
    }

    /// The node EOA's ETH, and for the payment Wallet each token's balance and the allowance it
    /// gives the node EOA (ETH always, plus `tokens`).
    public func balances(tokens: [Address] = []) async throws(WalletCommandError) -> WalletBalances {
        let rpc = sender.rpc, node = nodeAddress
        let nodeETH = try await LocalTransactionSender.rpcCall(rpc) { try await rpc.balance(node) } reverted: { .rpc($0) }
        guard config.chain.wallet.paymentAddress != nil else {
            return WalletBalances(node: node, nodeETH: nodeETH, wallet: nil, walletIsValid: false, walletOwner: nil, tokens: [])
        }
        let wallet = try paymentWallet()
        let factory = try await walletFactory()
        let valid = try await LocalTransactionSender.rpcCall(rpc) {
            try await WalletFactoryContract(address: factory, caller: rpc).isValidWallet(wallet)
        } reverted: { .rpc($0) }
        let owner = try? await WalletContract(address: wallet, caller: rpc).owner()
        var lines: [WalletBalances.TokenLine] = []
        for token in [Address.zero] + tokens.filter({ $0 != .zero }) {
            let line = try await LocalTransactionSender.rpcCall(rpc) {
                let balance = try await RPCPaymentChain.balance(of: wallet, token: token, rpc: rpc)
                let allowance = try await WalletContract(address: wallet, caller: rpc).allowance(spender: node, token: token)
                return WalletBalances.TokenLine(token: token, balance: balance, allowanceToNode: allowance)
            } reverted: { .rpc("reading \(token) on wallet \(wallet): \($0)") }
            lines.append(line)
        }
        return WalletBalances(node: node, nodeETH: nodeETH, wallet: wallet, walletIsValid: valid, walletOwner: owner, tokens: lines)
    }

    /// `Wallet.approve(spender, token, amount)` on the payment Wallet (overwrites the allowance).
    public func approve(spender: Address, token: Address, amount: BigUInt) async throws(WalletCommandError) -> TransactionSummary {
        let data: Data
        do { data = try WalletContract.approveCalldata(spender: spender, token: token, amount: amount) } catch { throw .rpc("\(error)") }
        return TransactionSummary(try await sender.send("approve", to: try paymentWallet(), data: data))
    }

    /// `Wallet.withdraw(token, amount)` from the payment Wallet to its owner (the node's EOA).
    public func withdraw(token: Address, amount: BigUInt) async throws(WalletCommandError) -> TransactionSummary {
        let data: Data
        do { data = try WalletContract.withdrawCalldata(token: token, amount: amount) } catch { throw .rpc("\(error)") }
        return TransactionSummary(try await sender.send("withdraw", to: try paymentWallet(), data: data))
    }

    // MARK: Helpers

    public func paymentWallet() throws(WalletCommandError) -> Address {
        guard let wallet = config.chain.wallet.paymentAddress else { throw .missingPaymentAddress }
        return wallet
    }

    func walletFactory() async throws(WalletCommandError) -> Address {
        let rpc = sender.rpc, registry = registry
        return try await LocalTransactionSender.rpcCall(rpc) {
            try await RegistryContract(address: registry, caller: rpc).addresses().walletFactory
        } reverted: { .rpc("reading the registry at \(registry): \($0)") }
    }

    /// Parses an address from the command line (any case; checksum not enforced).
    public static func address(_ text: String, key: String) throws(WalletCommandError) -> Address {
        do { return try Address(hex: text, checksum: false) } catch { throw .invalidAddress(key: key, value: text) }
    }

    /// Parses a whole number of wei.
    public static func amount(_ text: String) throws(WalletCommandError) -> BigUInt {
        guard let value = PaymentPolicy.decimal(text) else { throw .invalidAmount(text) }
        return value
    }
}

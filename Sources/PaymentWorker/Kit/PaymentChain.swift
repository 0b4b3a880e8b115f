import EVM
import InfernetSDK
import Foundation

/// One log of a mined transaction, as the ledger needs it.
public struct ReceiptLog: Equatable, Sendable {
    public var address: Address
    public var topics: [Data]
    public var data: Data
    public var logIndex: UInt64

    public init(address: Address, topics: [Data], data: Data, logIndex: UInt64) {
        self.address = address
        self.topics = topics
        self.data = data
        self.logIndex = logIndex
    }
}

/// A mined transaction, as the ledger needs it.
public struct MinedTransaction: Equatable, Sendable {
    public var succeeded: Bool
    public var blockNumber: UInt64
    public var logs: [ReceiptLog]

    public init(succeeded: Bool, blockNumber: UInt64, logs: [ReceiptLog]) {
        self.succeeded = succeeded
        self.blockNumber = blockNumber
        self.logs = logs
    }
}

/// The chain reads the payment worker makes. `RPCPaymentChain` is the real one; tests use a fake.
public protocol PaymentChain: Sendable {
    /// `WalletFactory.isValidWallet(wallet)`.
    func isValidWallet(_ wallet: Address) async throws -> Bool
    /// What `holder` holds of `token`: ETH balance for the zero token, else ERC-20 `balanceOf`.
    func balance(of holder: Address, token: Address) async throws -> BigUInt
    /// `Wallet(wallet).allowance(spender, token)`.
    func allowance(wallet: Address, spender: Address, token: Address) async throws -> BigUInt
    /// The mined transaction, nil while it is pending or unknown.
    func minedTransaction(_ hash: Data) async throws -> MinedTransaction?
    /// `verifier.isSupportedToken(token)`: the Coordinator reverts with UnsupportedVerifierToken otherwise.
    func isSupportedToken(verifier: Address, token: Address) async throws -> Bool
}

/// `PaymentChain` over JSON-RPC. The WalletFactory is read from the Registry on first use (and
/// again after a failure), so a node started before its RPC answers still comes up.
public final class RPCPaymentChain: PaymentChain {
    public let rpc: JSONRPCClient
    public let registry: Address
    private let factory = FactoryCache()

    public init(rpc: JSONRPCClient, registry: Address) {
        self.rpc = rpc
        self.registry = registry
    }

    public func walletFactory() async throws -> Address {
        if let known = await factory.address { return known }
        let address = try await RegistryContract(address: registry, caller: rpc).addresses().walletFactory
        await factory.set(address)
        return address
    }

    public func isValidWallet(_ wallet: Address) async throws -> Bool {
        try await WalletFactoryContract(address: try await walletFactory(), caller: rpc).isValidWallet(wallet)
    }

    public func balance(of holder: Address, token: Address) async throws -> BigUInt {
        try await Self.balance(of: holder, token: token, rpc: rpc)
    }

    public func allowance(wallet: Address, spender: Address, token: Address) async throws -> BigUInt {
        try await WalletContract(address: wallet, caller: rpc).allowance(spender: spender, token: token)
    }

    public func minedTransaction(_ hash: Data) async throws -> MinedTransaction? {
        guard let receipt = try await rpc.transactionReceipt(hash) else { return nil }
        // logIndex keys the ledger's idempotency; an RPC that omits it gets the log's position
        // in the receipt, which is just as unique within one transaction.
        return MinedTransaction(succeeded: receipt.succeeded, blockNumber: receipt.blockNumber,
                                logs: receipt.logs.enumerated().map { offset, log in
            ReceiptLog(address: log.address, topics: log.topics, data: log.data, logIndex: log.logIndex ?? UInt64(offset))
        })
    }

    public func isSupportedToken(verifier: Address, token: Address) async throws -> Bool {
        let function = try ABIFunction("isSupportedToken(address)", returns: "bool")
        let result = try await rpc.call(CallRequest(to: verifier, data: try function.encodeCall([.address(token)])))
        guard let value = try function.decodeOutput(result).first else {
            throw ABICodingError.countMismatch(expected: 1, actual: 0)
        }
        return try value.boolValue()
    }

    /// ETH or ERC-20 balance (shared with the operator commands).
    static func balance(of holder: Address, token: Address, rpc: JSONRPCClient) async throws -> BigUInt {
        if token == .zero { return try await rpc.balance(holder) }
        let function = InfernetABI.ERC20.balanceOf
        let result = try await rpc.call(CallRequest(to: token, data: try function.encodeCall([.address(holder)])))
        guard let value = try function.decodeOutput(result).first else {
            throw ABICodingError.countMismatch(expected: 1, actual: 0)
        }
        return try value.uintValue()
    }
}

private actor FactoryCache {
    var address: Address?
    func set(_ value: Address) { address = value }
}

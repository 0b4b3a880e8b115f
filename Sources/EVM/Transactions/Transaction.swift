import BigInt
import Foundation

/// Errors from building or decoding transactions.
public enum TransactionError: Error, Equatable, Sendable, CustomStringConvertible {
    case malformed(String)
    case unsupportedType(UInt8)
    case signature(CryptoError)

    public var description: String {
        switch self {
        case .malformed(let reason): "malformed raw transaction: \(reason)"
        case .unsupportedType(let type): "unsupported transaction type 0x\(String(type, radix: 16)) (legacy and type 2 are supported)"
        case .signature(let error): "transaction signature: \(error)"
        }
    }
}

/// An EIP-2930 access list entry.
public struct AccessListEntry: Hashable, Sendable {
    public var address: Address
    /// 32-byte storage keys.
    public var storageKeys: [Data]

    public init(address: Address, storageKeys: [Data] = []) {
        self.address = address
        self.storageKeys = storageKeys
    }

    var rlp: RLP.Item { .list([.bytes(address.rawValue), .list(storageKeys.map { .bytes($0) })]) }
}

/// A legacy (type 0) transaction; with `chainID` set it is signed per EIP-155.
public struct LegacyTransaction: Hashable, Sendable {
    public var nonce: UInt64
    public var gasPrice: BigUInt
    public var gasLimit: UInt64
    /// nil creates a contract.
    public var to: Address?
    public var value: BigUInt
    public var data: Data
    /// nil: pre-EIP-155 (no replay protection).
    public var chainID: UInt64?

    public init(nonce: UInt64, gasPrice: BigUInt, gasLimit: UInt64, to: Address?, value: BigUInt = 0,
                data: Data = Data(), chainID: UInt64?) {
        self.nonce = nonce
        self.gasPrice = gasPrice
        self.gasLimit = gasLimit
        self.to = to
        self.value = value
        self.data = data
        self.chainID = chainID
    }

    var baseFields: [RLP.Item] {
        [.uint(nonce), .uint(gasPrice), .uint(gasLimit), .bytes(to?.rawValue ?? Data()), .uint(value), .bytes(data)]
    }
}

/// An EIP-1559 (type 2) transaction.
public struct EIP1559Transaction: Hashable, Sendable {
    public var chainID: UInt64
    public var nonce: UInt64
    public var maxPriorityFeePerGas: BigUInt
    public var maxFeePerGas: BigUInt
    public var gasLimit: UInt64
    /// nil creates a contract.
    public var to: Address?
    public var value: BigUInt
    public var data: Data
    public var accessList: [AccessListEntry]

    public init(chainID: UInt64, nonce: UInt64, maxPriorityFeePerGas: BigUInt, maxFeePerGas: BigUInt, gasLimit: UInt64,
                to: Address?, value: BigUInt = 0, data: Data = Data(), accessList: [AccessListEntry] = []) {
        self.chainID = chainID
        self.nonce = nonce
        self.maxPriorityFeePerGas = maxPriorityFeePerGas
        self.maxFeePerGas = maxFeePerGas
        self.gasLimit = gasLimit
        self.to = to
        self.value = value
        self.data = data
        self.accessList = accessList
    }

    var payloadFields: [RLP.Item] {
        [.uint(chainID), .uint(nonce), .uint(maxPriorityFeePerGas), .uint(maxFeePerGas), .uint(gasLimit),
         .bytes(to?.rawValue ?? Data()), .uint(value), .bytes(data), .list(accessList.map(\.rlp))]
    }
}

/// An unsigned transaction of a supported type.
public enum Transaction: Hashable, Sendable {
    case legacy(LegacyTransaction)
    case eip1559(EIP1559Transaction)

    /// The hash the sender signs.
    public var signingHash: Data {
        switch self {
        case .legacy(let tx):
            var fields = tx.baseFields
            if let chainID = tx.chainID { fields += [.uint(chainID), .bytes(Data()), .bytes(Data())] }
            return Keccak256.hash(RLP.encode(.list(fields)))
        case .eip1559(let tx):
            return Keccak256.hash(Data([0x02]) + RLP.encode(.list(tx.payloadFields)))
        }
    }

    public var nonce: UInt64 {
        switch self {
        case .legacy(let tx): tx.nonce
        case .eip1559(let tx): tx.nonce
        }
    }

    public var chainID: UInt64? {
        switch self {
        case .legacy(let tx): tx.chainID
        case .eip1559(let tx): tx.chainID
        }
    }

    /// Signs with `key`.
    public func signed(with key: PrivateKey) throws(CryptoError) -> SignedTransaction {
        SignedTransaction(transaction: self, signature: try key.sign(hash: signingHash))
    }
}

/// A signed transaction: its raw encoding (for `eth_sendRawTransaction`) and hash.
public struct SignedTransaction: Hashable, Sendable {
    public let transaction: Transaction
    public let signature: Signature

    public init(transaction: Transaction, signature: Signature) {
        self.transaction = transaction
        self.signature = signature
    }

    /// The serialised transaction.
    public var raw: Data {
        let r = RLP.Item.uint(BigUInt(signature.r)), s = RLP.Item.uint(BigUInt(signature.s))
        switch transaction {
        case .legacy(let tx):
            let v: UInt64 = tx.chainID.map { $0 * 2 + 35 + UInt64(signature.recoveryID) } ?? 27 + UInt64(signature.recoveryID)
            return RLP.encode(.list(tx.baseFields + [.uint(v), r, s]))
        case .eip1559(let tx):
            return Data([0x02]) + RLP.encode(.list(tx.payloadFields + [.uint(UInt64(signature.recoveryID)), r, s]))
        }
    }

    /// The transaction hash (Keccak-256 of `raw`).
    public var hash: Data { Keccak256.hash(raw) }

    /// The sender recovered from the signature.
    public func sender() throws(CryptoError) -> Address {
        try signature.recoverAddress(hash: transaction.signingHash)
    }
}

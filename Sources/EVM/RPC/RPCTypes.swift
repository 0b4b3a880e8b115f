import BigInt
import Foundation

/// A block parameter.
public enum BlockTag: Hashable, Sendable, CustomStringConvertible {
    case latest, pending, earliest, safe, finalized
    case number(UInt64)

    public var description: String {
        switch self {
        case .latest: "latest"
        case .pending: "pending"
        case .earliest: "earliest"
        case .safe: "safe"
        case .finalized: "finalized"
        case .number(let number): number.quantityHex
        }
    }

    public var rpcValue: RPCValue { .string(description) }
}

/// Parameters of `eth_call` / `eth_estimateGas`.
public struct CallRequest: Hashable, Sendable {
    public var from: Address?
    public var to: Address?
    public var data: Data
    public var value: BigUInt?
    public var gas: UInt64?
    public var gasPrice: BigUInt?

    public init(from: Address? = nil, to: Address?, data: Data = Data(), value: BigUInt? = nil, gas: UInt64? = nil,
                gasPrice: BigUInt? = nil) {
        self.from = from
        self.to = to
        self.data = data
        self.value = value
        self.gas = gas
        self.gasPrice = gasPrice
    }

    public var rpcValue: RPCValue {
        var object: [String: RPCValue] = ["data": .string(data.hexString)]
        if let from { object["from"] = .string(from.hex) }
        if let to { object["to"] = .string(to.hex) }
        if let value { object["value"] = .string(value.quantityHex) }
        if let gas { object["gas"] = .string(gas.quantityHex) }
        if let gasPrice { object["gasPrice"] = .string(gasPrice.quantityHex) }
        return .object(object)
    }
}

/// An `eth_getLogs` filter.
public struct LogFilter: Hashable, Sendable {
    public var fromBlock: BlockTag?
    public var toBlock: BlockTag?
    public var blockHash: Data?
    public var addresses: [Address]
    /// Per position: nil matches anything, otherwise any of the listed topics.
    public var topics: [[Data]?]

    public init(fromBlock: BlockTag? = nil, toBlock: BlockTag? = nil, blockHash: Data? = nil, addresses: [Address] = [],
                topics: [[Data]?] = []) {
        self.fromBlock = fromBlock
        self.toBlock = toBlock
        self.blockHash = blockHash
        self.addresses = addresses
        self.topics = topics
    }

    var rpcValue: RPCValue {
        var object: [String: RPCValue] = [:]
        if let fromBlock { object["fromBlock"] = fromBlock.rpcValue }
        if let toBlock { object["toBlock"] = toBlock.rpcValue }
        if let blockHash { object["blockHash"] = .string(blockHash.hexString) }
        if addresses.count == 1, let address = addresses.first { object["address"] = .string(address.hex) }
        else if !addresses.isEmpty { object["address"] = .array(addresses.map { .string($0.hex) }) }
        if !topics.isEmpty {
            object["topics"] = .array(topics.map { alternatives in
                guard let alternatives else { return .null }
                return alternatives.count == 1 ? .string(alternatives[0].hexString) : .array(alternatives.map { .string($0.hexString) })
            })
        }
        return .object(object)
    }
}

/// A log entry.
public struct Log: Hashable, Sendable {
    public var address: Address
    public var topics: [Data]
    public var data: Data
    public var blockNumber: UInt64?
    public var blockHash: Data?
    public var transactionHash: Data?
    public var transactionIndex: UInt64?
    public var logIndex: UInt64?
    public var removed: Bool

    init(rpc value: RPCValue) throws(RPCError) {
        let reader = RPCObjectReader(value: value, context: "log")
        address = try reader.address("address")
        topics = try reader.array("topics").map { item throws(RPCError) in try RPCObjectReader.bytes(item, context: "log topic") }
        data = try reader.bytes("data")
        blockNumber = try reader.optionalUInt64("blockNumber")
        blockHash = try reader.optionalBytes("blockHash")
        transactionHash = try reader.optionalBytes("transactionHash")
        transactionIndex = try reader.optionalUInt64("transactionIndex")
        logIndex = try reader.optionalUInt64("logIndex")
        removed = value["removed"] == .bool(true)
    }
}

/// The parts of a block the node uses.
public struct Block: Hashable, Sendable {
    public var number: UInt64
    public var hash: Data
    public var parentHash: Data
    public var timestamp: UInt64
    public var baseFeePerGas: BigUInt?
    public var gasLimit: UInt64
    public var gasUsed: UInt64
    /// Transaction hashes (the client asks for hashes only).
    public var transactions: [Data]

    init(rpc value: RPCValue) throws(RPCError) {
        let reader = RPCObjectReader(value: value, context: "block")
        number = try reader.uint64("number")
        hash = try reader.bytes("hash")
        parentHash = try reader.bytes("parentHash")
        timestamp = try reader.uint64("timestamp")
        baseFeePerGas = try reader.optionalUInt("baseFeePerGas")
        gasLimit = try reader.uint64("gasLimit")
        gasUsed = try reader.uint64("gasUsed")
        var hashes: [Data] = []
        for item in value["transactions"]?.arrayValue ?? [] where item.stringValue != nil {
            hashes.append(try RPCObjectReader.bytes(item, context: "block transactions"))
        }
        transactions = hashes
    }
}

/// A transaction receipt.
public struct TransactionReceipt: Hashable, Sendable {
    public var transactionHash: Data
    public var blockNumber: UInt64
    public var blockHash: Data
    public var from: Address?
    public var to: Address?
    public var contractAddress: Address?
    /// True for status 1.
    public var succeeded: Bool
    public var gasUsed: UInt64
    public var effectiveGasPrice: BigUInt?
    public var logs: [Log]

    init(rpc value: RPCValue) throws(RPCError) {
        let reader = RPCObjectReader(value: value, context: "receipt")
        transactionHash = try reader.bytes("transactionHash")
        blockNumber = try reader.uint64("blockNumber")
        blockHash = try reader.bytes("blockHash")
        from = try reader.optionalAddress("from")
        to = try reader.optionalAddress("to")
        contractAddress = try reader.optionalAddress("contractAddress")
        succeeded = try reader.optionalUInt64("status") == 1
        gasUsed = try reader.uint64("gasUsed")
        effectiveGasPrice = try reader.optionalUInt("effectiveGasPrice")
        logs = try reader.array("logs").map { item throws(RPCError) in try Log(rpc: item) }
    }
}

/// `eth_feeHistory` result.
public struct FeeHistory: Hashable, Sendable {
    public var oldestBlock: UInt64
    /// One more entry than blocks requested (the next block's base fee).
    public var baseFeePerGas: [BigUInt]
    public var gasUsedRatio: [Double]
    /// Per block, one value per requested percentile.
    public var reward: [[BigUInt]]

    init(rpc value: RPCValue) throws(RPCError) {
        let reader = RPCObjectReader(value: value, context: "feeHistory")
        oldestBlock = try reader.uint64("oldestBlock")
        baseFeePerGas = try reader.array("baseFeePerGas").map { item throws(RPCError) in try RPCObjectReader.uint(item, context: "baseFeePerGas") }
        gasUsedRatio = (value["gasUsedRatio"]?.arrayValue ?? []).compactMap {
            switch $0 { case .double(let ratio): ratio; case .int(let ratio): Double(ratio); default: nil }
        }
        reward = try (value["reward"]?.arrayValue ?? []).map { row throws(RPCError) in
            try (row.arrayValue ?? []).map { item throws(RPCError) in try RPCObjectReader.uint(item, context: "reward") }
        }
    }
}

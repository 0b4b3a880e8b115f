import BigInt
import Foundation

extension SignedTransaction {
    /// Decodes a raw signed transaction (legacy, with or without EIP-155, or type 2).
    /// High-s signatures are rejected (EIP-2).
    public init(raw: Data) throws(TransactionError) {
        guard let first = raw.first else { throw .malformed("empty") }
        do {
            if first >= 0xC0 {
                try self.init(legacy: raw)
            } else if first == 0x02 {
                try self.init(eip1559: Data(raw.dropFirst()))
            } else {
                throw TransactionError.unsupportedType(first)
            }
        } catch let error as TransactionError {
            throw error
        } catch let error as RLPError {
            throw .malformed(error.description)
        } catch let error as CryptoError {
            throw .signature(error)
        } catch {
            throw .malformed("\(error)")
        }
        guard signature.isLowS else { throw .signature(.invalidSignature("s is in the upper half of the order (EIP-2)")) }
    }

    private init(legacy raw: Data) throws {
        let fields = try RLP.decode(raw).listValue()
        guard fields.count == 9 else { throw TransactionError.malformed("legacy transaction has \(fields.count) fields, not 9") }
        let v = try fields[6].uint64Value()
        var chainID: UInt64?
        if v >= 35 { chainID = (v - 35) / 2 } else if v != 27 && v != 28 {
            throw TransactionError.malformed("legacy v = \(v) is neither 27/28 nor EIP-155")
        }
        let tx = LegacyTransaction(
            nonce: try fields[0].uint64Value(), gasPrice: try fields[1].uintValue(), gasLimit: try fields[2].uint64Value(),
            to: try decodeRecipient(fields[3]), value: try fields[4].uintValue(), data: try fields[5].bytesValue(),
            chainID: chainID)
        let signature = try Signature(r: try word(fields[7]), s: try word(fields[8]), v: v)
        self.init(transaction: .legacy(tx), signature: signature)
    }

    private init(eip1559 payload: Data) throws {
        let fields = try RLP.decode(payload).listValue()
        guard fields.count == 12 else { throw TransactionError.malformed("type 2 transaction has \(fields.count) fields, not 12") }
        var accessList: [AccessListEntry] = []
        for entry in try fields[8].listValue() {
            let parts = try entry.listValue()
            guard parts.count == 2, let address = Address(try parts[0].bytesValue()) else {
                throw TransactionError.malformed("access list entry is not [address, [keys]]")
            }
            let keys = try parts[1].listValue().map { try $0.bytesValue() }
            guard keys.allSatisfy({ $0.count == 32 }) else { throw TransactionError.malformed("storage key is not 32 bytes") }
            accessList.append(AccessListEntry(address: address, storageKeys: keys))
        }
        let tx = EIP1559Transaction(
            chainID: try fields[0].uint64Value(), nonce: try fields[1].uint64Value(),
            maxPriorityFeePerGas: try fields[2].uintValue(), maxFeePerGas: try fields[3].uintValue(),
            gasLimit: try fields[4].uint64Value(), to: try decodeRecipient(fields[5]), value: try fields[6].uintValue(),
            data: try fields[7].bytesValue(), accessList: accessList)
        let parity = try fields[9].uint64Value()
        guard parity <= 1 else { throw TransactionError.malformed("y parity \(parity) is not 0 or 1") }
        let signature = try Signature(r: try word(fields[10]), s: try word(fields[11]), v: parity)
        self.init(transaction: .eip1559(tx), signature: signature)
    }
}

private func decodeRecipient(_ item: RLP.Item) throws -> Address? {
    let bytes = try item.bytesValue()
    if bytes.isEmpty { return nil }
    guard let address = Address(bytes) else { throw TransactionError.malformed("recipient is \(bytes.count) bytes, not 20") }
    return address
}

private func word(_ item: RLP.Item) throws -> Data {
    guard let bytes = try item.uintValue().bigEndianBytes(count: 32) else { throw TransactionError.malformed("r or s too large") }
    return bytes
}

import Foundation

/// Which pending transactions' receipts a poll reads. An account's nonces are used in order, so
/// a transaction whose nonce the latest block has not used yet cannot be mined: asking for its
/// receipt would only cost a call. With the mined nonce read first, every transaction's receipt
/// is read once, in the first poll after it is mined (issue 14: ≤ 6 JSON-RPC calls per delivery).
public enum ReceiptQuery {
    /// The hashes of `pending` transactions whose nonce is below `minedNonce` (the account's
    /// transaction count at the latest block), in the given order.
    public static func hashesToRead(pending: [(nonce: UInt64, hash: Data)], minedNonce: UInt64) -> [Data] {
        pending.filter { $0.nonce < minedNonce }.map(\.hash)
    }
}

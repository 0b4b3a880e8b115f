/// When an unmined transaction is re-sent with higher fees. An account's transactions are mined
/// in nonce order, so one that waits while the chain keeps mining this account's earlier ones is
/// waiting its turn, not underpriced: bumping it would pay ≥ 12.5 % more and cost a re-send for
/// nothing (with 1,000 deliveries due at once and 0.1 s blocks, up to ~5 % of them were bumped so).
/// A transaction is due once it has waited `afterBlocks` since it was sent *and* the account's
/// mined nonce has not risen for `afterBlocks`: then the queue is stuck, and every transaction
/// that waited that long is bumped, as before.
public struct FeeBumpRule: Sendable {
    public let afterBlocks: UInt64
    /// The account's mined nonce at the last observation.
    public private(set) var minedNonce: UInt64?
    /// The head at which the mined nonce was last seen to rise; nil until it has been.
    public private(set) var progressBlock: UInt64?

    public init(afterBlocks: UInt64) {
        self.afterBlocks = afterBlocks
    }

    /// Notes the account's mined nonce (transaction count at the latest block) read at `head`.
    public mutating func observe(minedNonce nonce: UInt64, head: UInt64) {
        if let minedNonce, nonce > minedNonce { progressBlock = head }
        minedNonce = nonce
    }

    /// Whether a pending transaction sent at `sentBlock` should be bumped at `head`.
    public func isDue(sentBlock: UInt64, head: UInt64) -> Bool {
        guard head >= sentBlock + afterBlocks else { return false }
        guard let progressBlock else { return true }
        return head >= progressBlock + afterBlocks
    }
}

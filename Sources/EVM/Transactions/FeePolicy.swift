import BigInt

/// EIP-1559 fees for the node's transactions, the one rule both the chain worker's signer and
/// the operator's wallet commands use: `2 × next base fee + tip`, the tip the larger of the
/// node's suggestion and the recent median reward, everything under a ceiling. Pure, so the
/// bumping rules are tested without a chain.
public struct FeePolicy: Sendable, Equatable {
    /// What to ask `eth_feeHistory` for: the last five blocks, the median reward of each.
    public static let historyBlocks: UInt64 = 5
    public static let rewardPercentiles: [Double] = [50]
    /// The tip when the node suggests none (`eth_maxPriorityFeePerGas` failed) and the history
    /// has no rewards: 1 gwei.
    public static let fallbackTip: BigUInt = 1_000_000_000

    /// No max fee above this (wei per gas).
    public var ceiling: BigUInt
    /// Replacement transactions must raise both fees by at least this much (geth: 10 %; 12.5 %
    /// clears every client's rule).
    public static let bumpNumerator: BigUInt = 9
    public static let bumpDenominator: BigUInt = 8

    public init(ceiling: BigUInt) { self.ceiling = ceiling }

    public init(ceilingGwei: Double) {
        ceiling = BigUInt(max(1, (ceilingGwei * 1e9).rounded()))
    }

    public struct Fees: Sendable, Equatable, CustomStringConvertible {
        public var maxFeePerGas: BigUInt
        public var maxPriorityFeePerGas: BigUInt

        public init(maxFeePerGas: BigUInt, maxPriorityFeePerGas: BigUInt) {
            self.maxFeePerGas = maxFeePerGas
            self.maxPriorityFeePerGas = maxPriorityFeePerGas
        }

        public var description: String { "maxFee \(maxFeePerGas) wei, tip \(maxPriorityFeePerGas) wei" }
    }

    /// Fees for a new transaction from a fee history (the last base fee is the next block's) and
    /// the node's suggested tip (nil when the RPC gave none).
    public func fees(history: FeeHistory, suggestedTip: BigUInt?) -> Fees {
        let baseFee = history.baseFeePerGas.last ?? 0
        let rewards = history.reward.compactMap(\.first).sorted()
        let medianReward: BigUInt? = rewards.isEmpty ? nil : rewards[rewards.count / 2]
        var tip = max(suggestedTip ?? 0, medianReward ?? 0)
        if suggestedTip == nil && medianReward == nil { tip = Self.fallbackTip }
        // A chain with no base fee still needs a non-zero price to order transactions.
        if tip == 0 && baseFee == 0 { tip = 1 }
        return capped(Fees(maxFeePerGas: baseFee * 2 + tip, maxPriorityFeePerGas: tip))
    }

    /// Fees for a replacement: at least 12.5 % above the previous ones on both fees, and at least
    /// what a new transaction would pay now. Nil when the ceiling leaves no room for a valid
    /// replacement (the transaction then waits as it is).
    public func bumped(_ previous: Fees, current: Fees) -> Fees? {
        func raise(_ value: BigUInt) -> BigUInt {
            (value * Self.bumpNumerator + Self.bumpDenominator - 1) / Self.bumpDenominator + 1
        }
        let wanted = Fees(maxFeePerGas: max(raise(previous.maxFeePerGas), current.maxFeePerGas),
                          maxPriorityFeePerGas: max(raise(previous.maxPriorityFeePerGas), current.maxPriorityFeePerGas))
        let result = capped(wanted)
        guard result.maxFeePerGas >= raise(previous.maxFeePerGas),
              result.maxPriorityFeePerGas >= raise(previous.maxPriorityFeePerGas) else { return nil }
        return result
    }

    private func capped(_ fees: Fees) -> Fees {
        let maxFee = min(fees.maxFeePerGas, ceiling)
        return Fees(maxFeePerGas: maxFee, maxPriorityFeePerGas: min(fees.maxPriorityFeePerGas, maxFee))
    }
}

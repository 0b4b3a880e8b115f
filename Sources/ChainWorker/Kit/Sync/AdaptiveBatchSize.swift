/// A batch size that halves when a batch read fails (RPC error, response or gas limits) and
/// doubles back, after each success, up to the configured size.
public struct AdaptiveBatchSize: Sendable, Equatable {
    public let maximum: Int
    public private(set) var current: Int

    public init(maximum: Int) {
        self.maximum = max(1, maximum)
        current = self.maximum
    }

    /// Halves after a failure; false when already at 1 (the failure is not about size).
    public mutating func shrink() -> Bool {
        guard current > 1 else { return false }
        current = max(1, current / 2)
        return true
    }

    /// Grows back after a success.
    public mutating func grow() {
        current = min(maximum, current * 2)
    }
}

import BigInt
import EVM
import Foundation

/// The Coordinator's `Subscription` struct (Infernet SDK v1.1).
public struct Subscription: Hashable, Sendable {
    public var owner: Address
    public var activeAt: UInt32
    public var period: UInt32
    public var frequency: UInt32
    public var redundancy: UInt16
    /// Keccak-256 of `abi.encode(string containerIds)` (see `ContainerSet.hash`).
    public var containerID: Data
    public var lazy: Bool
    public var verifier: Address
    public var paymentAmount: BigUInt
    public var paymentToken: Address
    public var wallet: Address

    /// `activeAt` of a cancelled subscription.
    public static let cancelledActiveAt = UInt32.max

    public init(owner: Address, activeAt: UInt32, period: UInt32, frequency: UInt32, redundancy: UInt16,
                containerID: Data, lazy: Bool, verifier: Address = .zero, paymentAmount: BigUInt = 0,
                paymentToken: Address = .zero, wallet: Address = .zero) {
        self.owner = owner
        self.activeAt = activeAt
        self.period = period
        self.frequency = frequency
        self.redundancy = redundancy
        self.containerID = containerID
        self.lazy = lazy
        self.verifier = verifier
        self.paymentAmount = paymentAmount
        self.paymentToken = paymentToken
        self.wallet = wallet
    }

    /// `(address,uint32,uint32,uint32,uint16,bytes32,bool,address,uint256,address,address)`.
    public static let abiType = ABIType.tuple([
        .address, .uint32, .uint32, .uint32, .uint16, .bytes32, .bool, .address, .uint256, .address, .address,
    ])

    /// The ABI tuple value.
    public var abiValue: ABIValue {
        .tuple([
            .address(owner), .uint(activeAt), .uint(period), .uint(frequency), .uint(redundancy),
            .bytes(containerID), .bool(lazy), .address(verifier), .uint(paymentAmount), .address(paymentToken),
            .address(wallet),
        ])
    }

    /// Reads the ABI tuple value.
    public init(abiValue value: ABIValue) throws(ABICodingError) {
        let fields = try value.tupleValue()
        guard fields.count == 11 else { throw .countMismatch(expected: 11, actual: fields.count) }
        self.init(
            owner: try fields[0].addressValue(), activeAt: try fields[1].integerValue(), period: try fields[2].integerValue(),
            frequency: try fields[3].integerValue(), redundancy: try fields[4].integerValue(),
            containerID: try fields[5].bytesValue(), lazy: try fields[6].boolValue(), verifier: try fields[7].addressValue(),
            paymentAmount: try fields[8].uintValue(), paymentToken: try fields[9].addressValue(),
            wallet: try fields[10].addressValue())
    }

    /// Whether the subscription was cancelled.
    public var isCancelled: Bool { activeAt == Self.cancelledActiveAt }

    /// Whether it does not exist (zero owner).
    public var exists: Bool { owner != .zero }

    /// The interval at `timestamp`, as the Coordinator's `getSubscriptionInterval` computes it
    /// (nil before `activeAt`).
    public func interval(at timestamp: UInt64) -> UInt32? {
        guard timestamp >= activeAt else { return nil }
        if period == 0 { return 1 }
        return UInt32(truncatingIfNeeded: (timestamp - UInt64(activeAt)) / UInt64(period) + 1)
    }
}

/// The name of a service on the bus: what a peer announces and what a request is routed to.
/// One value per service instead of string literals at every call site; the wire carries the
/// raw name (`"compute"`), so the JSON is unchanged.
public struct BusService: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ name: String) { self.rawValue = name }

    /// Compute workers: run container chains.
    public static let compute = BusService("compute")
    /// The chain worker: subscriptions, deliveries, the node's one signer.
    public static let chain = BusService("chain")
    /// The payment worker: payment checks and the earnings ledger.
    public static let payment = BusService("payment")
    /// The gateway: serves nothing, only sends.
    public static let gateway = BusService("gateway")
    /// The broker itself answers requests for this service with its figures.
    public static let broker = BusService("broker")

    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// One bus method, defined once: the service that serves it, its name on the wire, and the
/// types of its request and response bodies. Callers use it with `BusPeer.call`, servers with
/// `BusRouter.on`, so both sides agree on the types by construction.
public struct BusMethod<Request: Codable & Sendable, Response: Codable & Sendable>: Sendable, CustomStringConvertible {
    public let service: BusService
    /// The wire name, `service.method` by convention (e.g. `payment.check`).
    public let name: String

    public init(_ service: BusService, _ name: String) {
        self.service = service
        self.name = name
    }

    public var description: String { name }
}

/// The body of a method that takes or returns nothing: `{}` on the wire.
public struct BusEmpty: Codable, Sendable, Equatable {
    public init() {}
}

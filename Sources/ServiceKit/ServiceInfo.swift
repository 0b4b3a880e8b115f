public import InfernetCore

/// What a service says about itself.
public struct ServiceInfo: Sendable {
    /// `service_id` in `/service-resources`.
    public var id: String
    public var version: String
    /// The body of `GET /`.
    public var greeting: String
    /// False: `requires_proof=true` is refused with 400 before the handler runs.
    public var canProve: Bool
    /// `compute_capability` in `/service-resources`, e.g.
    /// `[{"id": "ml", "type": "css", "task": [], "models": []}]`.
    public var computeCapability: [JSONValue]

    public init(id: String, version: String = "0.1.0", greeting: String? = nil, canProve: Bool = false,
                computeCapability: [JSONValue] = []) {
        self.id = id
        self.version = version
        self.greeting = greeting ?? "Infernet service '\(id)' \(version) is running"
        self.canProve = canProve
        self.computeCapability = computeCapability
    }
}

public import InfernetCore

/// `GET /service-resources`: `{version, service_id, hardware_capabilities, compute_capability}`.
/// The hardware is probed once, on first use, and cached.
public actor ServiceResources {
    /// Version of the resources document (the reference's `ServiceResources.version`).
    public static let documentVersion = "0.1.0"

    private let info: ServiceInfo
    private var cached: JSONValue?
    private var probing: Task<HardwareInfo, Never>?

    public init(info: ServiceInfo) { self.info = info }

    public func document() async -> JSONValue {
        if let cached { return cached }
        let task = probing ?? Task { await HardwareInfo.probe() }
        probing = task
        let hardware = await task.value
        let document: JSONValue = [
            "version": .string(Self.documentVersion),
            "service_id": .string(info.id),
            "hardware_capabilities": hardware.json,
            "compute_capability": .array(info.computeCapability),
        ]
        cached = document
        return document
    }
}

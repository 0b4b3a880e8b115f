/// Where and how a service listens.
public struct ServiceConfiguration: Sendable {
    /// Bind address: 127.0.0.1 for a local `command` container, 0.0.0.0 inside Docker.
    public var host: String
    /// 0 picks a free port (tests); read it back through `onServerRunning`.
    public var port: Int
    /// Largest request body accepted (413 above it).
    public var maxBodySize: Int
    /// When set, `/service_output` requires `Authorization: Bearer <token>` (the container's
    /// `bearer` in the node's config).
    public var bearerToken: String?

    public init(host: String = "127.0.0.1", port: Int = 3000, maxBodySize: Int = 16 << 20, bearerToken: String? = nil) {
        self.host = host
        self.port = port
        self.maxBodySize = maxBodySize
        self.bearerToken = bearerToken
    }
}

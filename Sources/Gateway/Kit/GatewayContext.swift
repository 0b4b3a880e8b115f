import Hummingbird
import NIOCore

/// The request context of the gateway: Hummingbird's core context plus the client's address,
/// which keys rate limits, job ownership and the allowed-IP checks.
public struct GatewayContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }

    /// The client's IP address as text (`127.0.0.1`, `::1`); IPv4-mapped IPv6 addresses are
    /// shown as IPv4 so one client has one key.
    public var clientAddress: String {
        guard let address = remoteAddress?.ipAddress else { return "unknown" }
        if address.hasPrefix("::ffff:"), address.contains(".") { return String(address.dropFirst(7)) }
        return address
    }

    /// Job requests are small; batches get room for a few thousand items.
    public var maxUploadSize: Int { 8 * 1024 * 1024 }
}

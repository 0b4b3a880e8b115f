import Foundation

/// An IPv4 or IPv6 address range in CIDR form (`10.0.0.0/8`, `::1/128`, or a bare address).
public struct IPRange: Sendable, Equatable {
    let network: [UInt8]
    let prefixLength: Int

    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let address = IPRange.parseAddress(String(parts[0])) else { return nil }
        let bits = address.count * 8
        var prefix = bits
        if parts.count == 2 {
            guard let value = Int(parts[1]), (0...bits).contains(value) else { return nil }
            prefix = value
        }
        self.network = address
        self.prefixLength = prefix
    }

    public func contains(_ addressText: String) -> Bool {
        guard var address = IPRange.parseAddress(addressText) else { return false }
        if address.count != network.count {
            // Compare IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) with IPv4 ranges.
            guard address.count == 16, network.count == 4, address[0..<12] == IPRange.mappedPrefix[...] else { return false }
            address = Array(address[12...])
        }
        var remaining = prefixLength
        for index in 0..<network.count where remaining > 0 {
            let mask: UInt8 = remaining >= 8 ? 0xFF : ~(0xFF >> UInt8(remaining))
            if address[index] & mask != network[index] & mask { return false }
            remaining -= 8
        }
        return true
    }

    static let mappedPrefix: [UInt8] = Array(repeating: 0, count: 10) + [0xFF, 0xFF]

    static func parseAddress(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return withUnsafeBytes(of: v4) { Array($0) }
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            return withUnsafeBytes(of: v6) { Array($0) }
        }
        return nil
    }

    /// Loopback or private-network addresses (RFC 1918, RFC 4193, link-local), for `PUT /api/status`.
    public static let privateRanges: [IPRange] = [
        "127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16",
        "::1/128", "fc00::/7", "fe80::/10",
    ].compactMap(IPRange.init)

    public static func isPrivate(_ address: String) -> Bool { privateRanges.contains { $0.contains(address) } }
}

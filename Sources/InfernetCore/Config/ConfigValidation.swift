import EVM
import Foundation

/// Checks on config values that every process must agree on, applied once at load: a worker
/// never re-parses these leniently, so what the supervisor accepted is what every worker uses.
public enum ConfigValidation {
    /// secp256k1's group order n, big-endian: a private key must lie in [1, n-1].
    static let groupOrder: [UInt8] = [
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE,
        0xBA, 0xAE, 0xDC, 0xE6, 0xAF, 0x48, 0xA0, 0x3B, 0xBF, 0xD2, 0x5E, 0x8C, 0xD0, 0x36, 0x41, 0x41,
    ]

    /// Parses an account address: `0x` and 40 hex digits; all-lower or all-upper case as is,
    /// mixed case only with a matching EIP-55 checksum.
    public static func address(_ text: String, key: String) throws(ConfigError) -> Address {
        let body = text.hasPrefix("0x") || text.hasPrefix("0X") ? text.dropFirst(2) : Substring(text)
        guard text.count == 42, body.count == 40, body.allSatisfy(\.isHexDigit),
              let address = try? Address(hex: "0x" + body, checksum: false)
        else {
            throw ConfigError(key: key, "'\(text)' is not an address (expected 0x followed by 40 hex digits)")
        }
        let hasLower = body.contains { $0.isLowercase }
        let hasUpper = body.contains { $0.isUppercase }
        if hasLower, hasUpper, String(address.checksummed.dropFirst(2)) != String(body) {
            throw ConfigError(key: key, "'\(text)' has mixed case that does not match its EIP-55 checksum (expected \(address.checksummed)); check for a typo")
        }
        return address
    }

    /// Parses an RPC endpoint: an absolute http(s) or ws(s) URL with a host. The error shows the
    /// URL redacted, as an RPC URL may carry an API key.
    public static func rpcURL(_ text: String, key: String) throws(ConfigError) -> URL {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
              ["http", "https", "ws", "wss"].contains(scheme), components.host?.isEmpty == false,
              let url = URL(string: text)
        else {
            throw ConfigError(key: key, "'\(Redaction.url(text))' is not an http(s) or ws(s) URL")
        }
        return url
    }

    /// Parses a private key (64 hex digits, with or without `0x`) without ever putting its value
    /// in the error.
    public static func privateKey(_ text: String, keyPath: String) throws(ConfigError) -> SecretKey {
        let hex = text.hasPrefix("0x") ? text.dropFirst(2) : Substring(text)
        guard hex.count == 64, hex.allSatisfy(\.isHexDigit) else {
            throw ConfigError(key: keyPath, "must be 32 bytes of hex (the value is not shown)")
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            bytes.append(UInt8(hex[index..<next], radix: 16) ?? 0)
            index = next
        }
        if bytes.allSatisfy({ $0 == 0 }) {
            throw ConfigError(key: keyPath, "is zero, which is not a valid secp256k1 private key (the value is not shown)")
        }
        if !bytes.lexicographicallyPrecedes(groupOrder) {
            throw ConfigError(key: keyPath, "is at or above the secp256k1 group order n; a private key must be in [1, n-1] (the value is not shown)")
        }
        guard let key = try? PrivateKey(Data(bytes)) else {
            throw ConfigError(key: keyPath, "is not a valid secp256k1 private key (the value is not shown)")
        }
        return SecretKey(key)
    }
}

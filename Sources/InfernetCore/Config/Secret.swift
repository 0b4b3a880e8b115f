import EVM

/// A secret string (private key, API key, bearer token) that never prints itself.
public struct Secret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    public let value: String
    public init(_ value: String) { self.value = value }
    public var isEmpty: Bool { value.isEmpty }
    public var description: String { value.isEmpty ? "" : "<redacted>" }
    public var debugDescription: String { description }
}

/// The node's private key (`chain.wallet.private_key`), validated once at load. Code signs with
/// `privateKey`; printing, string interpolation and `dump()` show only `<redacted>`.
public struct SecretKey: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    public let privateKey: PrivateKey

    public init(_ privateKey: PrivateKey) { self.privateKey = privateKey }

    /// The key's account (the node's EOA): safe to show.
    public var address: Address { privateKey.address }

    public var description: String { "<redacted>" }
    public var debugDescription: String { description }

    /// The key as it may appear in text (with and without `0x`), for `Redaction` only.
    var redactedForms: [String] {
        let bare = Hex.encode(privateKey.rawValue, prefix: false)
        return ["0x" + bare, bare, "0x" + bare.uppercased(), bare.uppercased()]
    }
}

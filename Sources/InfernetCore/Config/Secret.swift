/// A secret string (private key, API key, bearer token) that never prints itself.
public struct Secret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    public let value: String
    public init(_ value: String) { self.value = value }
    public var isEmpty: Bool { value.isEmpty }
    public var description: String { value.isEmpty ? "" : "<redacted>" }
    public var debugDescription: String { description }
}

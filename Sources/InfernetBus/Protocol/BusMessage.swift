import Foundation

/// Every message that crosses the bus. Requests and replies carry a service-specific body as
/// JSON text, so the bus routes without knowing what compute, chain or payment exchange.
/// The body travels after the envelope's JSON, not inside it (see `Frame`): the envelope's
/// `Codable` form leaves it out.
public enum BusMessage: Sendable, Equatable {
    /// A peer joins (or re-joins after a restart) and says what it serves.
    case ready(PeerAnnouncement)
    case heartbeat
    case request(BusRequest)
    case reply(BusReply)
    /// One piece of a streamed reply, in order.
    case chunk(BusChunk)
    /// A peer leaves cleanly (drain): the broker stops routing to it.
    case disconnect
}

public struct PeerAnnouncement: Codable, Sendable, Equatable {
    public var service: BusService
    /// Compute workers: the containers they can run.
    public var containers: [String]
    public var pid: Int32
    /// Requests the peer takes at once before the broker queues.
    public var capacity: Int

    public init(service: BusService, containers: [String] = [], pid: Int32, capacity: Int = 1024) {
        self.service = service
        self.containers = containers
        self.pid = pid
        self.capacity = capacity
    }
}

public struct BusRequest: Codable, Sendable, Equatable {
    /// Unique per request; re-sends reuse it so handlers stay idempotent.
    public var id: String
    public var service: BusService
    /// The method's wire name (`BusMethod.name`).
    public var method: String
    /// Compute requests: every container the chain needs, so the broker picks a worker serving all.
    public var containers: [String]
    /// Streams are not re-dispatched when their worker dies (chunks were already relayed).
    public var stream: Bool
    /// Not in the envelope's JSON: `Frame` carries it as raw bytes after the envelope.
    public var body: String = ""

    private enum CodingKeys: String, CodingKey { case id, service, method, containers, stream }

    public init(id: String, service: BusService, method: String, containers: [String] = [], stream: Bool = false, body: String) {
        self.id = id
        self.service = service
        self.method = method
        self.containers = containers
        self.stream = stream
        self.body = body
    }
}

public struct BusReply: Codable, Sendable, Equatable {
    public var id: String
    /// Set when the bus or the handler could not serve the request: `{"code", "message"}`.
    public var error: BusFailure?
    /// Not in the envelope's JSON: `Frame` carries it as raw bytes after the envelope.
    public var body: String = ""

    private enum CodingKeys: String, CodingKey { case id, error }

    public init(id: String, error: BusFailure? = nil, body: String = "") {
        self.id = id
        self.error = error
        self.body = body
    }
}

public struct BusChunk: Codable, Sendable, Equatable {
    public var id: String
    /// Not in the envelope's JSON: `Frame` carries it as raw bytes after the envelope.
    public var data: String = ""

    private enum CodingKeys: String, CodingKey { case id }

    public init(id: String, data: String) {
        self.id = id
        self.data = data
    }
}

extension BusMessage: Codable {
    private enum Kind: String, Codable { case ready, heartbeat, request, reply, chunk, disconnect }
    private enum CodingKeys: String, CodingKey { case type, ready, request, reply, chunk }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch try container.decode(Kind.self, forKey: .type) {
        case .ready: self = .ready(try container.decode(PeerAnnouncement.self, forKey: .ready))
        case .heartbeat: self = .heartbeat
        case .request: self = .request(try container.decode(BusRequest.self, forKey: .request))
        case .reply: self = .reply(try container.decode(BusReply.self, forKey: .reply))
        case .chunk: self = .chunk(try container.decode(BusChunk.self, forKey: .chunk))
        case .disconnect: self = .disconnect
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .ready(let value): try container.encode(Kind.ready, forKey: .type); try container.encode(value, forKey: .ready)
        case .heartbeat: try container.encode(Kind.heartbeat, forKey: .type)
        case .request(let value): try container.encode(Kind.request, forKey: .type); try container.encode(value, forKey: .request)
        case .reply(let value): try container.encode(Kind.reply, forKey: .type); try container.encode(value, forKey: .reply)
        case .chunk(let value): try container.encode(Kind.chunk, forKey: .type); try container.encode(value, forKey: .chunk)
        case .disconnect: try container.encode(Kind.disconnect, forKey: .type)
        }
    }

    static let encoder = JSONEncoder()
    static let decoder = JSONDecoder()
}

/// Encodes and decodes request/reply bodies.
public enum BusBody {
    public static func encode<T: Encodable>(_ value: T) -> String {
        let data = (try? BusMessage.encoder.encode(value)) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    public static func decode<T: Decodable>(_ type: T.Type, from text: String) throws -> T {
        try BusMessage.decoder.decode(type, from: Data(text.utf8))
    }

    /// A short account of a decoding error naming the field: "missing field 'subscription.owner'".
    public static func describe(_ error: any Error) -> String {
        guard let decoding = error as? DecodingError else { return "\(error)" }
        func path(_ keys: [any CodingKey]) -> String { keys.map(\.stringValue).joined(separator: ".") }
        switch decoding {
        case .keyNotFound(let key, let context): return "missing field '\(path(context.codingPath + [key]))'"
        case .typeMismatch(_, let context): return "field '\(path(context.codingPath))' has the wrong type"
        case .valueNotFound(_, let context): return "field '\(path(context.codingPath))' is null"
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty { return "not valid JSON" }
            // Our own value decoders (addresses, hex, integers) say why in the debug description.
            let why = context.debugDescription.isEmpty ? "" : ": \(context.debugDescription)"
            return "field '\(path(context.codingPath))' is invalid\(why)"
        @unknown default: return "\(error)"
        }
    }
}

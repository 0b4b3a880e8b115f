import Foundation

/// Why a bus frame was rejected.
public enum FrameError: Error, CustomStringConvertible, Sendable, Equatable {
    case tooShort(Int)
    case lengthMismatch(declared: Int, actual: Int)
    case undecodable(String)
    /// A message with no body (ready, heartbeat, disconnect) followed by bytes.
    case unexpectedBody(bytes: Int)

    public var description: String {
        switch self {
        case .tooShort(let count): "frame of \(count) bytes is shorter than its 4-byte length prefix"
        case .lengthMismatch(let declared, let actual): "frame declares \(declared) bytes of JSON but carries \(actual)"
        case .undecodable(let reason): "frame JSON is not a known bus message: \(reason)"
        case .unexpectedBody(let bytes): "frame carries \(bytes) body bytes after a message that has no body"
        }
    }
}

/// The bus wire format: a 4-byte big-endian length, that many bytes of UTF-8 JSON (the envelope:
/// type, id, routing, error), then the message's body as raw UTF-8 to the end of the frame (a
/// request's or reply's body, a chunk's data; nothing for the other messages).
///
/// Bodies are JSON text already. Inside the envelope they were a JSON string, escaped by the
/// sender and unescaped by the broker and the receiver: about a tenth of the gateway's and the
/// compute worker's CPU per job. After it they are copied as they are.
public enum Frame {
    public static func encode(_ message: BusMessage) -> [UInt8] {
        // Encoding our own Codable types cannot fail.
        let json = (try? BusMessage.encoder.encode(message)) ?? Data()
        let body = message.body?.utf8
        var frame = [UInt8]()
        frame.reserveCapacity(4 + json.count + (body?.count ?? 0))
        let length = UInt32(json.count)
        frame.append(UInt8(length >> 24))
        frame.append(UInt8(length >> 16 & 0xFF))
        frame.append(UInt8(length >> 8 & 0xFF))
        frame.append(UInt8(length & 0xFF))
        frame.append(contentsOf: json)
        if let body { frame.append(contentsOf: body) }
        return frame
    }

    public static func decode(_ frame: [UInt8]) throws(FrameError) -> BusMessage {
        guard frame.count >= 4 else { throw .tooShort(frame.count) }
        let declared = Int(frame[0]) << 24 | Int(frame[1]) << 16 | Int(frame[2]) << 8 | Int(frame[3])
        guard declared <= frame.count - 4 else { throw .lengthMismatch(declared: declared, actual: frame.count - 4) }
        let envelopeEnd = 4 + declared
        var message: BusMessage
        do {
            message = try BusMessage.decoder.decode(BusMessage.self, from: Data(frame[4..<envelopeEnd]))
        } catch {
            throw .undecodable(String(describing: error).prefix(200).description)
        }
        let body = frame[envelopeEnd...]
        guard message.body != nil || body.isEmpty else { throw .unexpectedBody(bytes: body.count) }
        if !body.isEmpty { message.body = String(decoding: body, as: UTF8.self) }
        return message
    }
}

extension BusMessage {
    /// The text carried after the envelope: nil for messages that have none.
    fileprivate var body: String? {
        get {
            switch self {
            case .request(let request): request.body
            case .reply(let reply): reply.body
            case .chunk(let chunk): chunk.data
            case .ready, .heartbeat, .disconnect: nil
            }
        }
        set {
            guard let newValue else { return }
            switch self {
            case .request(var request): request.body = newValue; self = .request(request)
            case .reply(var reply): reply.body = newValue; self = .reply(reply)
            case .chunk(var chunk): chunk.data = newValue; self = .chunk(chunk)
            case .ready, .heartbeat, .disconnect: break
            }
        }
    }
}

import Foundation

/// Why a bus frame was rejected.
public enum FrameError: Error, CustomStringConvertible, Sendable, Equatable {
    case tooShort(Int)
    case lengthMismatch(declared: Int, actual: Int)
    case undecodable(String)

    public var description: String {
        switch self {
        case .tooShort(let count): "frame of \(count) bytes is shorter than its 4-byte length prefix"
        case .lengthMismatch(let declared, let actual): "frame declares \(declared) bytes of JSON but carries \(actual)"
        case .undecodable(let reason): "frame JSON is not a known bus message: \(reason)"
        }
    }
}

/// The bus wire format: a 4-byte big-endian length, then that many bytes of UTF-8 JSON.
public enum Frame {
    public static func encode(_ message: BusMessage) -> [UInt8] {
        // Encoding our own Codable types cannot fail.
        let json = (try? BusMessage.encoder.encode(message)) ?? Data()
        var frame = [UInt8]()
        frame.reserveCapacity(json.count + 4)
        let length = UInt32(json.count)
        frame.append(UInt8(length >> 24))
        frame.append(UInt8(length >> 16 & 0xFF))
        frame.append(UInt8(length >> 8 & 0xFF))
        frame.append(UInt8(length & 0xFF))
        frame.append(contentsOf: json)
        return frame
    }

    public static func decode(_ frame: [UInt8]) throws(FrameError) -> BusMessage {
        guard frame.count >= 4 else { throw .tooShort(frame.count) }
        let declared = Int(frame[0]) << 24 | Int(frame[1]) << 16 | Int(frame[2]) << 8 | Int(frame[3])
        guard declared == frame.count - 4 else { throw .lengthMismatch(declared: declared, actual: frame.count - 4) }
        do {
            return try BusMessage.decoder.decode(BusMessage.self, from: Data(frame[4...]))
        } catch {
            throw .undecodable(String(describing: error).prefix(200).description)
        }
    }
}

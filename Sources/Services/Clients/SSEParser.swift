/// Server-sent events: splits a byte stream into lines and collects each event's `data:`
/// fields (several `data:` lines of one event are joined with "\n"). Comments (`:`) and
/// other fields (`event:`, `id:`, `retry:`) are skipped.
public struct SSEParser: Sendable {
    private var pending: [UInt8] = []
    private var dataLines: [String] = []
    private var sawCarriageReturn = false

    public init() {}

    /// Feeds bytes; returns the data payloads of the events they complete.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [String] {
        var events: [String] = []
        for byte in bytes {
            if sawCarriageReturn {
                sawCarriageReturn = false
                if byte == UInt8(ascii: "\n") { continue }
            }
            if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
                sawCarriageReturn = byte == UInt8(ascii: "\r")
                if let event = endLine() { events.append(event) }
            } else {
                pending.append(byte)
            }
        }
        return events
    }

    /// Ends the stream: returns the last event when the stream did not end with a blank line.
    public mutating func finish() -> [String] {
        var events: [String] = []
        if !pending.isEmpty, let event = endLine() { events.append(event) }
        if !dataLines.isEmpty {
            events.append(dataLines.joined(separator: "\n"))
            dataLines = []
        }
        return events
    }

    private mutating func endLine() -> String? {
        defer { pending.removeAll(keepingCapacity: true) }
        if pending.isEmpty {
            guard !dataLines.isEmpty else { return nil }
            defer { dataLines = [] }
            return dataLines.joined(separator: "\n")
        }
        let line = String(decoding: pending, as: UTF8.self)
        guard line.hasPrefix("data:") else { return nil }
        var value = line.dropFirst(5)
        if value.first == " " { value = value.dropFirst() }
        dataLines.append(String(value))
        return nil
    }
}

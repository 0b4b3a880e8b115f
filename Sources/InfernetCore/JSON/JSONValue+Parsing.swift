import EVM

extension JSONValue: JSONParsable {
    public static func parsedNull() -> JSONValue { .null }
    public static func parsed(_ value: Bool) -> JSONValue { .bool(value) }
    public static func parsedNumber(literal: UnsafeBufferPointer<UInt8>) -> JSONValue {
        .number(JSONNumber(literal: String(decoding: literal, as: UTF8.self)))
    }
    public static func parsed(_ value: String) -> JSONValue { .string(value) }
    public static func parsedArray(_ elements: [JSONValue]) -> JSONValue { .array(elements) }

    /// A repeated key keeps its first place and its last value, as Python's json module reads it.
    /// Large objects find repeats through a dictionary, so a hostile body of many keys costs
    /// linear time.
    public static func parsedObject(_ members: [(key: String, value: JSONValue)]) -> JSONValue {
        var entries: [(key: String, value: JSONValue)] = []
        entries.reserveCapacity(members.count)
        if members.count <= 16 {
            for member in members {
                if let existing = entries.firstIndex(where: { $0.key == member.key }) {
                    entries[existing].value = member.value
                } else {
                    entries.append(member)
                }
            }
        } else {
            var positions: [String: Int] = [:]
            positions.reserveCapacity(members.count)
            for member in members {
                if let existing = positions[member.key] {
                    entries[existing].value = member.value
                } else {
                    positions[member.key] = entries.count
                    entries.append(member)
                }
            }
        }
        return .object(JSONObject(entries))
    }
}

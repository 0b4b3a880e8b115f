import BigInt
import Foundation

extension TypedData {
    /// Parses the `eth_signTypedData_v4` JSON form: `{"types", "primaryType", "domain", "message"}`.
    /// Integers may be JSON numbers or decimal / `0x` hex strings; bytes are `0x` hex strings.
    public init(json: Data) throws(EIP712Error) {
        let root: Any
        do { root = try JSONSerialization.jsonObject(with: json) } catch { throw .invalidJSON("\(error)") }
        guard let object = root as? [String: Any], let typesObject = object["types"] as? [String: Any],
              let primaryType = object["primaryType"] as? String else {
            throw .invalidJSON("expected an object with types and primaryType")
        }
        var types: [String: [EIP712Field]] = [:]
        for (name, fieldsAny) in typesObject {
            guard let fields = fieldsAny as? [[String: Any]] else { throw .invalidJSON("types.\(name) is not a list") }
            types[name] = try fields.map { field throws(EIP712Error) in
                guard let fieldName = field["name"] as? String, let fieldType = field["type"] as? String else {
                    throw .invalidJSON("types.\(name) has a field without name/type")
                }
                return EIP712Field(name: fieldName, type: fieldType)
            }
        }
        let domainObject = object["domain"] as? [String: Any] ?? [:]
        if types["EIP712Domain"] == nil {
            types["EIP712Domain"] = Self.domainFields(for: domainObject.mapValues { _ in EIP712Value.bool(true) })
        }
        let converter = JSONToTypedValue(types: types)
        let domain = try converter.object("EIP712Domain", domainObject)
        guard let messageObject = object["message"] as? [String: Any] else { throw .invalidJSON("message is not an object") }
        let message = try converter.object(primaryType, messageObject)
        self.init(types: types, primaryType: primaryType, domain: domain, message: message)
    }
}

private struct JSONToTypedValue {
    let types: [String: [EIP712Field]]

    func object(_ typeName: String, _ json: [String: Any]) throws(EIP712Error) -> [String: EIP712Value] {
        guard let fields = types[typeName] else { throw .unknownType(typeName) }
        var result: [String: EIP712Value] = [:]
        for field in fields {
            guard let value = json[field.name] else { throw .missingField(type: typeName, field: field.name) }
            result[field.name] = try convert(field.type, value)
        }
        return result
    }

    func convert(_ type: String, _ json: Any) throws(EIP712Error) -> EIP712Value {
        if type.hasSuffix("]"), let open = type.lastIndex(of: "[") {
            guard let items = json as? [Any] else { throw .invalidValue(type: type, reason: "expected a list") }
            let element = String(type[..<open])
            return .array(try items.map { item throws(EIP712Error) in try convert(element, item) })
        }
        if types[type] != nil {
            guard let members = json as? [String: Any] else { throw .invalidValue(type: type, reason: "expected an object") }
            return .object(try object(type, members))
        }
        switch type {
        case "string":
            guard let text = json as? String else { throw .invalidValue(type: type, reason: "expected a string") }
            return .string(text)
        case "bool":
            if let flag = json as? Bool { return .bool(flag) }
            throw .invalidValue(type: type, reason: "expected true or false")
        case "address":
            guard let text = json as? String, let address = try? Address(hex: text, checksum: false) else {
                throw .invalidValue(type: type, reason: "expected a 0x address")
            }
            return .address(address)
        default:
            break
        }
        if type.hasPrefix("bytes") {
            guard let text = json as? String, let data = Data(hex: text) else {
                throw .invalidValue(type: type, reason: "expected 0x hex")
            }
            return .bytes(data)
        }
        if type.hasPrefix("uint") || type.hasPrefix("int") {
            let number: BigInt?
            if let text = json as? String {
                if text.hasPrefix("0x") || text.hasPrefix("0X") { number = BigInt(text.dropFirst(2), radix: 16) }
                else if text.hasPrefix("-0x") { number = BigInt(text.dropFirst(3), radix: 16).map { -$0 } }
                else { number = BigInt(text, radix: 10) }
            } else if let integer = json as? Int {
                number = BigInt(integer)
            } else {
                number = nil
            }
            guard let number else { throw .invalidValue(type: type, reason: "expected an integer") }
            return type.hasPrefix("uint") && number >= 0 ? .uint(BigUInt(number)) : .int(number)
        }
        throw .unknownType(type)
    }
}

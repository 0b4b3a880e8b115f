public import InfernetCore
public import ServiceKit

/// Reading fields of an off-chain `data` object with 400s that name the field path.
public struct Fields: Sendable {
    public let object: JSONObject
    /// The object's path, e.g. `data` or `data.params`.
    public let path: String

    public init(_ value: JSONValue, path: String = "data") throws(ServiceError) {
        guard let object = value.objectValue else {
            throw .invalidField(path, "expected an object, got \(value.typeName)")
        }
        self.object = object
        self.path = path
    }

    public func field(_ key: String) -> String { "\(path).\(key)" }

    public subscript(key: String) -> JSONValue? {
        guard let value = object[key], !value.isNull else { return nil }
        return value
    }

    public func string(_ key: String) throws(ServiceError) -> String {
        guard let value = self[key] else { throw .missingField(field(key)) }
        guard let text = value.stringValue else { throw .invalidField(field(key), "expected a string, got \(value.typeName)") }
        return text
    }

    public func optionalString(_ key: String) throws(ServiceError) -> String? {
        guard self[key] != nil else { return nil }
        return try string(key)
    }

    public func int(_ key: String) throws(ServiceError) -> Int {
        guard let value = self[key] else { throw .missingField(field(key)) }
        guard let number = value.numberValue?.intValue else { throw .invalidField(field(key), "expected an integer, got \(value.typeName)") }
        return number
    }

    public func bool(_ key: String, default fallback: Bool) throws(ServiceError) -> Bool {
        guard let value = self[key] else { return fallback }
        guard let flag = value.boolValue else { throw .invalidField(field(key), "expected true or false, got \(value.typeName)") }
        return flag
    }

    public func object(_ key: String) throws(ServiceError) -> Fields {
        guard let value = self[key] else { throw .missingField(field(key)) }
        return try Fields(value, path: field(key))
    }

    public func optionalObject(_ key: String) throws(ServiceError) -> JSONObject? {
        guard self[key] != nil else { return nil }
        return try object(key).object
    }

    public func array(_ key: String) throws(ServiceError) -> [JSONValue] {
        guard let value = self[key] else { throw .missingField(field(key)) }
        guard let items = value.arrayValue else { throw .invalidField(field(key), "expected an array, got \(value.typeName)") }
        return items
    }
}

extension JSONObject {
    /// `self` with the entries of `other` added (replacing those with the same key).
    public func merging(_ other: JSONObject?) -> JSONObject {
        var result = self
        for (key, value) in other ?? JSONObject() { result[key] = value }
        return result
    }
}

/// Environment helpers.
public enum Environment {
    /// The value of the first of `names` that is set and not empty.
    public static func value(_ environment: [String: String], _ names: String...) -> String? {
        for name in names {
            if let value = environment[name], !value.isEmpty { return value }
        }
        return nil
    }

    /// A base URL without a trailing slash.
    public static func baseURL(_ environment: [String: String], _ name: String, default fallback: String) -> String {
        var url = value(environment, name) ?? fallback
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }
}

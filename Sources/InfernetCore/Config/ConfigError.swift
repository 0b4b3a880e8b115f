/// A configuration problem, naming the key (as a path such as `containers[1].port`).
public struct ConfigError: Error, CustomStringConvertible, Sendable, Equatable {
    public let key: String
    public let message: String

    public init(key: String, _ message: String) {
        self.key = key
        self.message = message
    }

    public var description: String { key.isEmpty ? "config: \(message)" : "config key '\(key)': \(message)" }
}

/// Reads typed values out of one JSON object of the config, remembering which keys were used
/// so the rest can be reported as unknown.
public struct ConfigSection {
    public let path: String
    let object: JSONObject
    private(set) var used: Set<String> = []

    public init(path: String, object: JSONObject) {
        self.path = path
        self.object = object
    }

    public func keyPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The keys present in the object that nothing asked for, as full key paths.
    public var unknownKeys: [String] { object.keys.filter { !used.contains($0) }.map(keyPath) }

    mutating func value(_ key: String) -> JSONValue? {
        used.insert(key)
        guard let value = object[key], !value.isNull else { return nil }
        return value
    }

    public mutating func string(_ key: String, default fallback: String) throws(ConfigError) -> String {
        guard let value = value(key) else { return fallback }
        guard let string = value.stringValue else { throw typeError(key, "a string", value) }
        return string
    }

    public mutating func optionalString(_ key: String) throws(ConfigError) -> String? {
        guard let value = value(key) else { return nil }
        guard let string = value.stringValue else { throw typeError(key, "a string", value) }
        return string
    }

    public mutating func bool(_ key: String, default fallback: Bool) throws(ConfigError) -> Bool {
        guard let value = value(key) else { return fallback }
        guard let bool = value.boolValue else { throw typeError(key, "true or false", value) }
        return bool
    }

    public mutating func int(_ key: String, default fallback: Int, range: ClosedRange<Int>? = nil) throws(ConfigError) -> Int {
        guard let value = value(key) else { return fallback }
        // The reference's own example configs write ports as strings ("3000"); accept digits.
        guard let int = value.numberValue?.intValue ?? value.stringValue.flatMap({ Int($0) }) else {
            throw typeError(key, "an integer", value)
        }
        if let range, !range.contains(int) {
            throw ConfigError(key: keyPath(key), "must be between \(range.lowerBound) and \(range.upperBound), got \(int)")
        }
        return int
    }

    public mutating func double(_ key: String, default fallback: Double, minimum: Double = 0) throws(ConfigError) -> Double {
        guard let value = value(key) else { return fallback }
        guard let double = value.numberValue?.doubleValue, double.isFinite else { throw typeError(key, "a number", value) }
        if double < minimum { throw ConfigError(key: keyPath(key), "must be at least \(minimum), got \(double)") }
        return double
    }

    /// A duration written as a number of seconds (fractions allowed), as the reference's keys are.
    public mutating func duration(_ key: String, default fallback: Duration, minimum: Duration = .zero,
                                  maximum: Duration? = nil) throws(ConfigError) -> Duration {
        guard let value = value(key) else { return fallback }
        guard let seconds = value.numberValue?.doubleValue, seconds.isFinite, seconds < 1e12 else {
            throw typeError(key, "a number of seconds", value)
        }
        let duration = Duration.seconds(seconds)
        if duration < minimum {
            throw ConfigError(key: keyPath(key), "must be at least \(minimum.inSeconds) seconds, got \(seconds)")
        }
        if let maximum, duration > maximum {
            throw ConfigError(key: keyPath(key), "must be at most \(maximum.inSeconds) seconds, got \(seconds)")
        }
        return duration
    }

    public mutating func strings(_ key: String) throws(ConfigError) -> [String] {
        guard let value = value(key) else { return [] }
        guard let array = value.arrayValue else { throw typeError(key, "a list of strings", value) }
        var result: [String] = []
        for (index, element) in array.enumerated() {
            guard let string = element.stringValue else {
                throw ConfigError(key: "\(keyPath(key))[\(index)]", "expected a string, got \(element.typeName)")
            }
            result.append(string)
        }
        return result
    }

    public mutating func stringMap(_ key: String) throws(ConfigError) -> [String: String] {
        guard let value = value(key) else { return [:] }
        guard let object = value.objectValue else { throw typeError(key, "an object of strings", value) }
        var result: [String: String] = [:]
        for (name, element) in object {
            switch element {
            case .string(let string): result[name] = string
            case .number(let number): result[name] = number.literal
            case .bool(let bool): result[name] = bool ? "true" : "false"
            default: throw ConfigError(key: "\(keyPath(key)).\(name)", "expected a string, got \(element.typeName)")
            }
        }
        return result
    }

    public mutating func section(_ key: String) throws(ConfigError) -> ConfigSection {
        guard let value = value(key) else { return ConfigSection(path: keyPath(key), object: JSONObject()) }
        guard let object = value.objectValue else { throw typeError(key, "an object", value) }
        return ConfigSection(path: keyPath(key), object: object)
    }

    public mutating func list(_ key: String) throws(ConfigError) -> [JSONValue] {
        guard let value = value(key) else { return [] }
        guard let array = value.arrayValue else { throw typeError(key, "a list", value) }
        return array
    }

    /// Marks a key as known without reading it (accepted for compatibility, ignored).
    public mutating func accept(_ key: String) -> Bool {
        used.insert(key)
        return object[key] != nil
    }

    private func typeError(_ key: String, _ expected: String, _ value: JSONValue) -> ConfigError {
        ConfigError(key: keyPath(key), "expected \(expected), got \(value.typeName)")
    }
}

public import InfernetCore

/// What the node sends to `POST /service_output`:
/// `{"source": int, "destination": int, "data": any, "requires_proof": bool}`.
public struct ServiceRequest: Sendable, Equatable {
    /// Where the input comes from: ONCHAIN (0) means `data` is hex of the ABI-encoded input.
    public var source: Location
    /// Where the output goes: STREAM (2) asks for a stream of text chunks.
    public var destination: Location
    /// The input, key order as the client sent it.
    public var data: JSONValue
    public var requiresProof: Bool
    /// The whole request object as received (key order and unknown keys kept).
    public var body: JSONValue

    public init(source: Location, destination: Location, data: JSONValue, requiresProof: Bool = false) {
        self.source = source
        self.destination = destination
        self.data = data
        self.requiresProof = requiresProof
        self.body = .object(JSONObject([
            (key: "source", value: .number(JSONNumber(source.rawValue))),
            (key: "destination", value: .number(JSONNumber(destination.rawValue))),
            (key: "data", value: data),
            (key: "requires_proof", value: .bool(requiresProof)),
        ]))
    }

    public var isStreaming: Bool { destination == .stream }
}

extension ServiceRequest {
    /// Parses and validates a request body; errors are 400s naming the field.
    public init(parsing bytes: some Collection<UInt8>) throws(ServiceError) {
        let value: JSONValue
        do {
            value = try JSONValue(parsing: bytes)
        } catch {
            throw .badRequest("malformed JSON body: \(error)")
        }
        try self.init(json: value)
    }

    /// Validates an already parsed request object.
    public init(json: JSONValue) throws(ServiceError) {
        guard let object = json.objectValue else {
            throw .badRequest("the request body must be a JSON object, got \(json.typeName)")
        }
        source = try Self.location(object, "source")
        destination = try Self.location(object, "destination")
        guard let data = object["data"] else { throw .missingField("data") }
        self.data = data
        switch object["requires_proof"] {
        case nil, .null: requiresProof = false
        case .bool(let flag): requiresProof = flag
        case .number(let number) where number.literal == "0" || number.literal == "1": requiresProof = number.literal == "1"
        case let other?: throw .invalidField("requires_proof", "expected true or false, got \(other.typeName)")
        }
        body = json
    }

    private static func location(_ object: JSONObject, _ key: String) throws(ServiceError) -> Location {
        guard let value = object[key] else { throw .missingField(key) }
        guard let code = value.numberValue?.intValue, let location = Location(rawValue: code) else {
            let shown = value.numberValue.map { $0.literal } ?? value.typeName
            throw .invalidField(key, "expected 0 (ONCHAIN), 1 (OFFCHAIN) or 2 (STREAM), got \(shown)")
        }
        return location
    }
}

import InfernetCore

/// `POST /api/jobs` body: `{"containers":[str], "data":object, "requires_proof":bool?}`.
public struct JobRequest: Sendable, Equatable {
    public var containers: [String]
    public var data: JSONValue
    public var requiresProof: Bool

    public init(containers: [String], data: JSONValue, requiresProof: Bool = false) {
        self.containers = containers
        self.data = data
        self.requiresProof = requiresProof
    }
}

/// What a client posted to `/api/jobs` (or as one item of a batch).
public enum JobSubmission: Sendable, Equatable {
    case job(JobRequest)
    case delegated(DelegatedSubscriptionRequest)

    /// Reads a submission out of a parsed body; wrong shapes name the field.
    public static func parse(_ value: JSONValue) throws(APIError) -> JobSubmission {
        guard let object = value.objectValue else {
            throw APIError.field("body", "expected a JSON object, got \(value.typeName)")
        }
        if object["subscription"] != nil {
            return .delegated(try DelegatedSubscriptionRequest(object))
        }
        return .job(try JobRequest(object))
    }
}

extension JobRequest {
    init(_ object: JSONObject) throws(APIError) {
        guard let containersValue = object["containers"] else { throw APIError.field("containers", "required") }
        guard let list = containersValue.arrayValue else {
            throw APIError.field("containers", "expected a list of strings, got \(containersValue.typeName)")
        }
        var containers: [String] = []
        containers.reserveCapacity(list.count)
        for element in list {
            guard let id = element.stringValue else {
                throw APIError.field("containers", "expected a list of strings, got an item of type \(element.typeName)")
            }
            containers.append(id)
        }
        guard let data = object["data"] else { throw APIError.field("data", "required") }
        guard data.objectValue != nil else { throw APIError.field("data", "expected an object, got \(data.typeName)") }
        var requiresProof = false
        if let proof = object["requires_proof"], !proof.isNull {
            guard let flag = proof.boolValue else {
                throw APIError.field("requires_proof", "expected true or false, got \(proof.typeName)")
            }
            requiresProof = flag
        }
        self.init(containers: containers, data: data, requiresProof: requiresProof)
    }
}

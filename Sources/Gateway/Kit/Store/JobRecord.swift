import BusContract
import InfernetCore

/// One off-chain job as the gateway keeps it. Results are stored as JSON text, ready to be
/// spliced into responses without re-encoding.
public struct JobRecord: Sendable, Equatable {
    public var id: String
    /// The client's IP address: only that client sees the job.
    public var client: String
    public var status: JobStatus
    public var containers: [String]
    /// The request's `data`, as JSON text.
    public var data: String
    public var requiresProof: Bool
    public var stream: Bool
    /// `{"container","output"}` or `{"container","error"}` as JSON text; nil while running.
    public var result: String?
    /// The hops before the last, as a JSON array text.
    public var intermediate: String
    /// Unix time when the job was accepted.
    public var createdAt: Double

    public init(id: String, client: String, status: JobStatus = .running, containers: [String], data: String,
                requiresProof: Bool = false, stream: Bool = false, result: String? = nil,
                intermediate: String = "[]", createdAt: Double) {
        self.id = id
        self.client = client
        self.status = status
        self.containers = containers
        self.data = data
        self.requiresProof = requiresProof
        self.stream = stream
        self.result = result
        self.intermediate = intermediate
        self.createdAt = createdAt
    }

    /// The JobResult body of the REST API.
    func resultJSON(intermediate includeIntermediate: Bool) -> String {
        var text = "{\"id\":"
        text.reserveCapacity(64 + (result?.utf8.count ?? 0) + (includeIntermediate ? intermediate.utf8.count : 0))
        text += JSONValue.quoted(id)
        text += ",\"status\":\""
        text += status.rawValue
        text += "\",\"result\":"
        text += result ?? "null"
        if includeIntermediate {
            text += ",\"intermediate_results\":"
            text += intermediate
        }
        text += "}"
        return text
    }
}

/// Builds result texts out of container outcomes.
enum ResultText {
    static func outcome(_ outcome: ContainerOutcome) -> String {
        if let error = outcome.error {
            return failure(container: outcome.container, error: JSONValue.quoted(error))
        }
        return success(container: outcome.container, output: outcome.output ?? "null")
    }

    /// `output` is JSON text.
    static func success(container: String, output: String) -> String {
        "{\"container\":" + JSONValue.quoted(container) + ",\"output\":" + output + "}"
    }

    /// `error` is JSON text.
    static func failure(container: String, error: String) -> String {
        "{\"container\":" + JSONValue.quoted(container) + ",\"error\":" + error + "}"
    }

    static func list(_ items: some Sequence<String>) -> String { "[" + items.joined(separator: ",") + "]" }
}

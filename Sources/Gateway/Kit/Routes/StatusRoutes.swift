import Hummingbird
import InfernetCore

/// `PUT /api/status`: a container (or another trusted party on the node's network) records a
/// job's status and result. Only loopback and private addresses may call it.
struct StatusRoutes: Sendable {
    let store: JobStore
    /// `node.max_request_body_bytes`.
    let bodyLimit: Int

    func register(on router: Router<GatewayContext>) {
        router.put("/api/status") { request, context in try await update(request, context: context) }
    }

    func update(_ request: Request, context: GatewayContext) async throws -> Response {
        let client = context.clientAddress
        guard IPRange.isPrivate(client) else { throw APIError(.forbidden, "Unauthorized", params: nil) }
        var request = request
        let body = try await request.jsonBody(limit: bodyLimit)
        guard let object = body.objectValue else { throw APIError.field("body", "expected a JSON object, got \(body.typeName)") }
        guard let id = object["id"]?.stringValue, !id.isEmpty else { throw APIError.field("id", "expected a non-empty string") }
        guard let statusText = object["status"]?.stringValue, let status = JobStatus(rawValue: statusText) else {
            throw APIError(.badRequest, "Status is invalid",
                           params: JSONObject([(key: "status", value: object["status"] ?? .null)]))
        }
        var containers: [String] = []
        if let list = object["containers"], !list.isNull {
            guard let array = list.arrayValue, let ids = Optional(array.compactMap(\.stringValue)), ids.count == array.count else {
                throw APIError.field("containers", "expected a list of strings")
            }
            containers = ids
        }
        if status != .running && containers.isEmpty {
            throw APIError.field("containers", "required (the result names the container that produced it)")
        }
        let data = object["data"] ?? .null

        // Records are keyed by client address and id, as in the reference: a push only ever
        // touches the pusher's own record (another client's job with the same id is untouched).
        var job = try await storeCall { try await store.job(id: id, client: client) }
            ?? JobRecord(id: id, client: client, containers: containers, data: "{}", createdAt: JobStore.unixTime())
        let container = containers.first ?? ""
        job.status = status
        switch status {
        case .running:
            job.result = nil
        case .success:
            job.result = ResultText.success(container: container, output: data.jsonText)
        case .failed:
            job.result = ResultText.failure(container: container, error: data.jsonText)
        }
        try await storeCall { try await store.save(job) }
        return JSONResponse.make(JSONResponse.empty)
    }
}

import BusContract
import Hummingbird
import InfernetCore
import Logging
import ServiceKit

/// `GET /health`, `GET /info`, `GET /resources`.
struct InfoRoutes: Sendable {
    let config: NodeConfig
    let nodeAddress: String
    let bus: any ComputeBus
    let dispatcher: JobDispatcher
    let logger: Logger

    func register(on router: Router<GatewayContext>) {
        let health = JSONResponse.make("{\"status\":\"healthy\"}")
        router.get("/health") { _, _ in health }
        let containers = JSONValue.array(config.containers.map { container in
            .object(JSONObject([
                (key: "id", value: .string(container.id)),
                (key: "description", value: .string(container.description)),
                (key: "external", value: .bool(container.external)),
                (key: "image", value: .string(container.image)),
            ]))
        }).jsonText
        let chain = JSONValue.object(JSONObject([
            (key: "enabled", value: .bool(config.chain.enabled)),
            (key: "address", value: .string(config.chain.enabled ? nodeAddress : "")),
        ])).jsonText
        let version = JSONValue.quoted(InfernetCoreVersion.version)
        let chainEnabled = config.chain.enabled
        router.get("/info") { [bus] _, _ in
            let onchain = chainEnabled ? ((try? await bus.chainStatus(timeout: .milliseconds(500)))?.pendingDeliveries ?? 0) : 0
            return JSONResponse.make(
                "{\"version\":\(version),\"containers\":\(containers),\"pending\":{\"offchain\":\(dispatcher.inflight),\"onchain\":\(onchain)},\"chain\":\(chain)}")
        }
        router.get("/resources") { request, _ in try await resources(request) }
    }

    func resources(_ request: Request) async throws -> Response {
        let modelID = request.uri.queryParameters.get("model_id")
        let result: ResourcesResult
        do {
            result = try await bus.resources(modelID: modelID, timeout: .seconds(15))
        } catch {
            // As the reference: containers that fail are left out, here all of them.
            logger.debug("resources: no answer from compute", metadata: ["error": "\(error)"])
            return JSONResponse.make("{}")
        }
        var object = JSONObject()
        // Configured order first, then anything else a worker reported.
        let order = config.containers.map(\.id) + result.resources.keys.sorted()
        for id in order where object[id] == nil {
            guard let text = result.resources[id], let value = try? JSONValue(parsing: text) else { continue }
            object[id] = value
        }
        return JSONResponse.make(.object(object))
    }
}

/// `GET /metrics` (Prometheus text) and `GET /openapi.yaml`.
struct DocumentRoutes: Sendable {
    let metrics: GatewayMetrics
    let bus: any ComputeBus
    let chainEnabled: Bool
    let connections: ConnectionCounter

    func register(on router: Router<GatewayContext>) {
        router.get("/metrics") { _, _ in
            metrics.record(connections)
            if let statistics = try? await bus.statistics(timeout: .milliseconds(500)) { metrics.record(statistics) }
            if chainEnabled, let status = try? await bus.chainStatus(timeout: .milliseconds(500)) { metrics.record(status) }
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.render())))
        }
        let document = OpenAPIDocument.text
        router.get("/openapi.yaml") { _, _ in
            guard let document else { throw APIError(.notFound, "The OpenAPI document is not installed", params: nil) }
            return Response(status: .ok, headers: [.contentType: "application/yaml"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: document)))
        }
    }
}

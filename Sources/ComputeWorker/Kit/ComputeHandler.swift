import AsyncHTTPClient
import BusContract
import Foundation
import InfernetBus
import InfernetCore
import Logging
import NIOCore
import WorkerKit

/// Serves the compute bus methods: `compute.run` (chains and streams) and `compute.resources`.
public struct ComputeHandler: Sendable {
    let caller: ContainerCaller
    let containers: [ContainerConfig]
    let streamTimeout: Duration
    let logger: Logger

    public init(containers: [ContainerConfig], http: HTTPClient, streamTimeout: Duration, limits: JobLimits = JobLimits(), logger: Logger) {
        self.caller = ContainerCaller(containers: containers, http: http, limits: limits)
        self.containers = containers
        self.streamTimeout = streamTimeout
        self.logger = logger
    }

    /// The compute worker's methods.
    public var router: BusRouter {
        var router = BusRouter(service: .compute)
        router.on(Methods.compute.run, streaming: { request, chunks in await run(request, chunks: chunks) })
        router.on(Methods.compute.resources) { query in await resources(modelID: query.modelID) }
        return router
    }

    func run(_ compute: ComputeRequest, chunks: BusStreamWriter) async -> ComputeResult {
        let result = compute.stream
            ? await caller.stream(compute, timeout: streamTimeout) { chunks.write($0) }
            : await caller.run(compute)
        if let failure = result.outcomes.last?.error {
            logger.debug("job failed", metadata: ["job": "\(compute.jobID)", "error": "\(failure)"])
        }
        return result
    }

    /// Every container's `GET /service-resources[?model_id=]`; containers that fail are left out.
    func resources(modelID: String?) async -> ResourcesResult {
        await withTaskGroup(of: (String, String?).self) { group in
            for container in containers {
                group.addTask { (container.id, await fetchResources(container, modelID: modelID)) }
            }
            var result: [String: String] = [:]
            for await (id, json) in group { if let json { result[id] = json } }
            return ResourcesResult(resources: result)
        }
    }

    private func fetchResources(_ container: ContainerConfig, modelID: String?) async -> String? {
        var url = container.baseURL + "/service-resources"
        if let modelID {
            url += "?model_id=" + (modelID.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? modelID)
        }
        var request = HTTPClientRequest(url: url)
        request.headers = caller.headers(for: container)
        guard let response = try? await caller.http.execute(request, timeout: .seconds(10)),
              (200..<300).contains(response.status.code),
              let body = try? await response.body.collect(upTo: 4 << 20),
              let json = try? JSONValue(parsing: body.readableBytesView)
        else { return nil }
        return json.jsonText
    }
}

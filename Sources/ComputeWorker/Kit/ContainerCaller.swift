import AsyncHTTPClient
import Foundation
import InfernetCore
import NIOCore
import NIOHTTP1

/// Calls containers over the container protocol: `POST {base}/service_output`, in chain order.
public struct ContainerCaller: Sendable {
    let containers: [String: ContainerConfig]
    let http: HTTPClient

    public init(containers: [ContainerConfig], http: HTTPClient) {
        self.containers = Dictionary(containers.map { ($0.id, $0) }, uniquingKeysWith: { $1 })
        self.http = http
    }

    /// Runs the chain; stops at the first failing container. Every hop's outcome is returned.
    public func run(_ request: ComputeRequest) async -> ComputeResult {
        var outcomes: [ContainerOutcome] = []
        var data = request.data
        for (index, id) in request.containers.enumerated() {
            let isFirst = index == 0
            let isLast = index == request.containers.count - 1
            let body = Self.serviceBody(
                source: isFirst ? request.source : .offchain, destination: isLast ? request.destination : .offchain,
                data: data, requiresProof: request.requiresProof)
            let outcome = await call(id, body: body)
            outcomes.append(outcome)
            guard let output = outcome.output else { break }
            data = output
        }
        return ComputeResult(jobID: request.jobID, outcomes: outcomes)
    }

    /// The container protocol body, built as text so `data` keeps its key order.
    static func serviceBody(source: Location, destination: Location, data: String, requiresProof: Bool) -> String {
        "{\"source\":\(source.rawValue),\"destination\":\(destination.rawValue),\"data\":\(data),\"requires_proof\":\(requiresProof)}"
    }

    func call(_ id: String, body: String) async -> ContainerOutcome {
        guard let container = containers[id] else {
            return ContainerOutcome(container: id, error: "container '\(id)' is not configured on this compute worker")
        }
        var request = HTTPClientRequest(url: container.baseURL + "/service_output")
        request.method = .POST
        request.headers = headers(for: container)
        request.body = .bytes(ByteBuffer(string: body))
        do {
            let response = try await http.execute(request, timeout: .milliseconds(Int64(container.timeout * 1000)))
            let bytes = try await response.body.collect(upTo: 64 << 20)
            return Self.outcome(id: id, status: response.status, body: bytes)
        } catch {
            return ContainerOutcome(container: id, error: Self.describe(error, container: container))
        }
    }

    func headers(for container: ContainerConfig) -> HTTPHeaders {
        var headers = HTTPHeaders([("Content-Type", "application/json")])
        if !container.bearer.isEmpty { headers.add(name: "Authorization", value: "Bearer \(container.bearer.value)") }
        return headers
    }

    /// A JSON body is the output; a non-2xx status with a JSON body fails and carries that body.
    static func outcome(id: String, status: HTTPResponseStatus, body: ByteBuffer) -> ContainerOutcome {
        let text = String(buffer: body)
        guard let json = try? JSONValue(parsing: body.readableBytesView) else {
            return ContainerOutcome(container: id, error: "container '\(id)' answered HTTP \(status.code) with a body that is not JSON: \(text.prefix(200))")
        }
        guard (200..<300).contains(status.code) else {
            return ContainerOutcome(container: id, error: json.jsonText)
        }
        return ContainerOutcome(container: id, output: json.jsonText)
    }

    static func describe(_ error: any Error, container: ContainerConfig) -> String {
        if let error = error as? HTTPClientError, error == .deadlineExceeded || error == .readTimeout {
            return "container '\(container.id)' did not answer within \(container.timeout) s"
        }
        return "container '\(container.id)' could not be reached at \(container.baseURL): \(error)"
    }
}

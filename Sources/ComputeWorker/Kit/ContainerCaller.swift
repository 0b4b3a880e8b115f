import BusContract
import AsyncHTTPClient
import Foundation
import InfernetCore
import NIOCore
import NIOHTTP1

/// Calls containers over the container protocol: `POST {base}/service_output`, in chain order.
public struct ContainerCaller: Sendable {
    let containers: [String: ContainerConfig]
    let http: HTTPClient
    let limits: JobLimits

    public init(containers: [ContainerConfig], http: HTTPClient, limits: JobLimits = JobLimits()) {
        self.containers = Dictionary(containers.map { ($0.id, $0) }, uniquingKeysWith: { $1 })
        self.http = http
        self.limits = limits
    }

    /// Runs the chain; stops at the first failing container. Every hop's outcome is returned.
    /// The job's bounds hold here, where outputs are produced: a hop whose output is over
    /// `node.max_output_bytes_per_hop`, outputs summing over `node.max_output_bytes_per_job`,
    /// or a chain still running at `node.job_deadline` fails with the key named.
    public func run(_ request: ComputeRequest) async -> ComputeResult {
        var outcomes: [ContainerOutcome] = []
        var data = request.data
        var total = 0
        let deadline = ContinuousClock.now + limits.deadline
        for (index, id) in request.containers.enumerated() {
            let isFirst = index == 0
            let isLast = index == request.containers.count - 1
            let remaining = ContinuousClock.now.duration(to: deadline)
            guard remaining > .zero else {
                outcomes.append(ContainerOutcome(container: id, error: "job \(request.jobID) ran past \(JobLimits.key("job_deadline"))=\(limits.deadline.inSeconds) s before hop \(index + 1) (\(id))"))
                break
            }
            let body = Self.serviceBody(
                source: isFirst ? request.source : .offchain, destination: isLast ? request.destination : .offchain,
                data: data, requiresProof: request.requiresProof)
            var outcome = await call(id, hop: index + 1, body: body, remaining: remaining)
            if let output = outcome.output {
                total += output.utf8.count
                if total > limits.maxOutputBytesPerJob {
                    outcome = ContainerOutcome(container: id, error: "outputs of job \(request.jobID) reach \(total) bytes at hop \(index + 1) (\(id)), over \(JobLimits.key("max_output_bytes_per_job"))=\(limits.maxOutputBytesPerJob)")
                }
            }
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

    func call(_ id: String, hop: Int = 1, body: String, remaining: Duration? = nil) async -> ContainerOutcome {
        guard let container = containers[id] else {
            return ContainerOutcome(container: id, error: "container '\(id)' is not configured on this compute worker")
        }
        var request = HTTPClientRequest(url: container.baseURL + "/service_output")
        request.method = .POST
        request.headers = headers(for: container)
        request.body = .bytes(ByteBuffer(string: body))
        let timeout = TimeAmount(remaining.map { min($0, container.timeout) } ?? container.timeout)
        let limit = limits.maxOutputBytesPerHop
        let tooLarge = { (size: String) in
            ContainerOutcome(container: id, error: "output of hop \(hop) (\(id)) is \(size) bytes, over \(JobLimits.key("max_output_bytes_per_hop"))=\(limit)")
        }
        do {
            let response = try await http.execute(request, timeout: timeout)
            if let length = response.headers.first(name: "content-length").flatMap(Int.init), length > limit {
                return tooLarge("\(length)")
            }
            let bytes: ByteBuffer
            do {
                bytes = try await response.body.collect(upTo: limit)
            } catch is NIOTooManyBytesError {
                return tooLarge("more than \(limit)")
            }
            return Self.outcome(id: id, status: response.status, body: bytes)
        } catch let error as HTTPClientError where (error == .deadlineExceeded || error == .readTimeout) && remaining.map({ $0 < container.timeout }) == true {
            return ContainerOutcome(container: id, error: "hop \(hop) (\(id)) ran past \(JobLimits.key("job_deadline"))=\(limits.deadline.inSeconds) s")
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
            return "container '\(container.id)' did not answer within \(container.timeout.inSeconds) s"
        }
        return "container '\(container.id)' could not be reached at \(container.baseURL): \(error)"
    }
}

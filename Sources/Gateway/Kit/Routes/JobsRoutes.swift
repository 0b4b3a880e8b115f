import Foundation
import Hummingbird
import InfernetCore
import Logging

/// `POST /api/jobs`, `POST /api/jobs/batch`, `GET /api/jobs`.
struct JobsRoutes: Sendable {
    let intake: JobIntake
    /// `server.job_status_wait`.
    let statusWait: Duration

    func register(on router: Router<GatewayContext>) {
        router.post("/api/jobs") { request, context in try await submit(request, context: context) }
        router.post("/api/jobs/batch") { request, context in try await batch(request, context: context) }
        router.get("/api/jobs") { request, context in try await results(request, context: context) }
    }

    func submit(_ request: Request, context: GatewayContext) async throws -> Response {
        var request = request
        let submission = try JobSubmission.parse(try await request.jsonBody(limit: intake.bodyLimit))
        let answer = try await intake.accept([.success(submission)], client: context.clientAddress)[0].get()
        return JSONResponse.make(answer)
    }

    func batch(_ request: Request, context: GatewayContext) async throws -> Response {
        var request = request
        guard let items = try await request.jsonBody(limit: intake.bodyLimit).arrayValue else {
            throw APIError(.badRequest, "Expected a list", params: nil)
        }
        let submissions = items.map { item -> Result<JobSubmission, APIError> in
            do throws(APIError) { return .success(try JobSubmission.parse(item)) } catch { return .failure(error) }
        }
        let answers = await intake.accept(submissions, client: context.clientAddress)
        var text = "["
        text.reserveCapacity(answers.count * 48 + 2)
        for (index, answer) in answers.enumerated() {
            if index > 0 { text += "," }
            switch answer {
            case .success(let body): text += body
            case .failure(let error): text += error.body.jsonText
            }
        }
        text += "]"
        return JSONResponse.make(text)
    }

    func results(_ request: Request, context: GatewayContext) async throws -> Response {
        let query = request.uri.queryParameters
        let ids = query.getAll("id").map { String($0) }
        let client = context.clientAddress
        let store = intake.store
        if ids.isEmpty {
            let pending: Bool? = switch query.get("pending")?.lowercased() {
            case "true"?: true
            case "false"?: false
            case nil: nil
            case let other?: throw APIError.field("pending", "expected true or false, got '\(other)'")
            }
            let list = try await storeCall { try await store.jobIDs(client: client, pending: pending) }
            return JSONResponse.make("[" + list.map(JSONValue.quoted).joined(separator: ",") + "]")
        }
        let intermediate = query.get("intermediate")?.lowercased() == "true"
        let jobs = try await jobsWaitingForOne(ids: ids, client: client)
        // Completed jobs first, then pending ones, each in the order asked.
        var text = "["
        var first = true
        for pass in 0..<2 {
            for job in jobs where (job.status == .running) == (pass == 1) {
                if !first { text += "," }
                first = false
                text += job.resultJSON(intermediate: intermediate)
            }
        }
        text += "]"
        return JSONResponse.make(text)
    }
}

extension JobsRoutes {
    /// `client`'s jobs among `ids`; while every one found is running, first waits (at most
    /// `server.job_status_wait`) for one to finish, so that a polling client gets the result
    /// from this poll rather than a later one.
    func jobsWaitingForOne(ids: [String], client: String) async throws -> [JobRecord] {
        let store = intake.store
        let jobs = try await storeCall { try await store.jobs(ids: ids, client: client) }
        guard statusWait > .zero, !jobs.isEmpty, jobs.allSatisfy({ $0.status == .running }) else { return jobs }
        // Registered before the second read, so a job finishing between the two is not missed.
        let ticket = store.completions.register(jobs.map { JobCache.key(client: client, id: $0.id) },
                                                until: .now + statusWait)
        let again = try await storeCall { try await store.jobs(ids: ids, client: client) }
        if again.allSatisfy({ $0.status == .running }) {
            _ = await store.completions.wait(ticket)
            return try await storeCall { try await store.jobs(ids: ids, client: client) }
        }
        store.completions.forget(ticket)
        return again
    }
}

/// Runs a store call, answering 503 (not 500) when the database fails.
func storeCall<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch {
        throw APIError(.serviceUnavailable, "Job store unavailable")
    }
}

/// Accepts submissions: guardian checks, commit as `running`, hand to the dispatcher.
struct JobIntake: Sendable {
    let guardian: Guardian
    let store: JobStore
    let dispatcher: JobDispatcher
    let delegated: DelegatedSubscriptionIntake
    let metrics: GatewayMetrics
    let logger: Logger
    /// `node.max_request_body_bytes`.
    let bodyLimit: Int

    /// One answer per submission, in order: the success body (`{"id":...}` or `{}`) or an error.
    func accept(_ submissions: [Result<JobSubmission, APIError>], client: String) async -> [Result<String, APIError>] {
        var answers: [Result<String, APIError>] = []
        answers.reserveCapacity(submissions.count)
        var jobs: [JobRecord] = []
        let now = JobStore.unixTime()
        for submission in submissions {
            switch submission {
            case .failure(let error):
                answers.append(.failure(error))
            case .success(.delegated(let request)):
                do throws(APIError) {
                    let containers = try guardian.check(request)
                    try await delegated.accept(request, containers: containers)
                    answers.append(.success(JSONResponse.empty))
                } catch {
                    answers.append(.failure(error))
                }
            case .success(.job(let request)):
                do throws(APIError) {
                    try guardian.check(request, client: client)
                    let job = Self.record(request, client: client, stream: false, now: now)
                    jobs.append(job)
                    answers.append(.success("{\"id\":\"" + job.id + "\"}"))
                } catch {
                    answers.append(.failure(error))
                }
            }
        }
        guard !jobs.isEmpty else { return answers }
        do {
            try await store.save(jobs)
        } catch {
            logger.error("cannot store jobs", metadata: ["error": "\(error)"])
            let failure = APIError(.serviceUnavailable, "Job store unavailable")
            return answers.map { answer in
                if case .success(let body) = answer, body != JSONResponse.empty { return .failure(failure) }
                return answer
            }
        }
        metrics.jobsAccepted.increment(by: Int64(jobs.count))
        for job in jobs { dispatcher.submit(job) }
        return answers
    }

    static func record(_ request: JobRequest, client: String, stream: Bool, now: Double) -> JobRecord {
        JobRecord(id: UUID().uuidString.lowercased(), client: client, containers: request.containers,
                  data: request.data.jsonText, requiresProof: request.requiresProof, stream: stream, createdAt: now)
    }
}

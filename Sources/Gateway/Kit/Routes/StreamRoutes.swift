import BusContract
import Hummingbird
import InfernetBus
import InfernetCore
import Logging
import NIOCore

/// `POST /api/jobs/stream`: the body is `"<job_id>\n"` and then the first container's output,
/// chunk by chunk as it arrives over the bus. The concatenated text becomes the job's result.
struct StreamRoutes: Sendable {
    let intake: JobIntake
    let bus: any ComputeBus

    func register(on router: Router<GatewayContext>) {
        router.post("/api/jobs/stream") { request, context in try await stream(request, context: context) }
    }

    func stream(_ request: Request, context: GatewayContext) async throws -> Response {
        var request = request
        let submission = try JobSubmission.parse(try await request.jsonBody(limit: intake.bodyLimit))
        guard case .job(let jobRequest) = submission else {
            throw APIError(.badRequest, "Streaming only supported for OffchainJob requests.", params: nil)
        }
        let client = context.clientAddress
        try intake.guardian.check(jobRequest, client: client)
        let job = JobIntake.record(jobRequest, client: client, stream: true, now: JobStore.unixTime())
        try await storeCall { try await intake.store.save(job) }
        intake.metrics.jobsAccepted.increment()

        let dispatcher = intake.dispatcher
        let bus = self.bus
        let logger = context.logger
        let events = bus.stream(JobDispatcher.computeRequest(job), timeout: dispatcher.timeout(for: job))
        dispatcher.begin()
        let body = ResponseBody { writer in
            defer { dispatcher.end() }
            var clientGone = false
            do {
                try await writer.write(ByteBuffer(string: job.id + "\n"))
            } catch {
                clientGone = true
            }
            var result: ComputeResult?
            var failure: (any Error)?
            do {
                for try await event in events {
                    switch event {
                    case .chunk(let text):
                        guard !clientGone else { continue }
                        do { try await writer.write(ByteBuffer(string: text)) } catch { clientGone = true }
                    case .response(let final):
                        result = final
                    }
                }
            } catch BusError.stopped {
                // Shutting down: the job stays `running` and is run again on the next start.
            } catch {
                failure = error
            }
            if let result {
                await dispatcher.record(job, result: result)
            } else if let failure {
                logger.debug("stream failed", metadata: ["job": "\(job.id)", "error": "\(failure)"])
                await dispatcher.record(job, error: failure)
            }
            try? await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: body)
    }
}

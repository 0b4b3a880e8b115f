import BusContract
import Foundation
import InfernetBus
import InfernetCore
import Logging
import ServiceLifecycle
import Synchronization

/// Sends accepted jobs to compute workers over the bus and records their results. A service:
/// on start it re-sends the jobs a previous run left `running`; on graceful shutdown it takes
/// no new jobs and gives the ones in flight `grace`, after which they stay `running`
/// in the store for the next start.
public final class JobDispatcher: Service, Sendable {
    public struct Options: Sendable {
        /// Sends of one job before it fails with a timeout.
        public var attempts = 3
        /// What in-flight jobs get on graceful shutdown (`node.shutdown_grace`).
        public var grace = Duration.seconds(10)
        public init() {}
    }

    let bus: any ComputeBus
    let store: JobStore
    let metrics: GatewayMetrics
    let logger: Logger
    let options: Options
    let computeTimeout: ComputeTimeout
    let limits: JobLimits
    private let jobs: AsyncStream<JobRecord>
    private let input: AsyncStream<JobRecord>.Continuation
    private let inflightCount = Atomic<Int>(0)

    public init(bus: any ComputeBus, store: JobStore, config: NodeConfig, metrics: GatewayMetrics,
                options: Options = Options(), logger: Logger) {
        self.bus = bus
        self.store = store
        self.metrics = metrics
        self.logger = logger
        self.options = options
        self.limits = config.node.limits
        self.computeTimeout = ComputeTimeout(config: config)
        (jobs, input) = AsyncStream.makeStream(of: JobRecord.self)
    }

    /// Jobs sent and not yet answered (streams included).
    public var inflight: Int { inflightCount.load(ordering: .relaxed) }

    /// Queues a job already committed as `running`.
    public func submit(_ job: JobRecord) { input.yield(job) }

    public func run() async throws {
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.resendLeftovers() }
                for await job in jobs {
                    group.addTask { await self.execute(job) }
                }
                // Shutting down: give in-flight jobs their grace period, then stop waiting.
                let deadline = ContinuousClock.now + options.grace
                while inflight > 0, ContinuousClock.now < deadline {
                    try? await Task.sleep(for: .milliseconds(10))
                }
                if inflight > 0 {
                    logger.warning("shutdown: jobs still running are left for the next start", metadata: ["jobs": "\(inflight)"])
                    bus.close()
                }
            }
        } onGracefulShutdown: {
            self.input.finish()
        }
    }

    private func resendLeftovers() async {
        do {
            let leftovers = try await store.takeLeftovers()
            guard !leftovers.isEmpty else { return }
            logger.info("re-sending jobs left running by a previous run", metadata: ["jobs": "\(leftovers.count)"])
            for job in leftovers {
                // A job whose run keeps killing its worker or the gateway is failed, not re-sent forever.
                let attempts = try await store.recordAttempt(id: job.id, client: job.client)
                if attempts > limits.maxAttempts {
                    logger.warning("failing a job that was cut short too often", metadata: ["job": "\(job.id)", "attempts": "\(attempts - 1)"])
                    await record(job, error: BusError.failed(BusFailure(.rejected,
                        "job \(job.id) was cut short \(attempts - 1) times (its worker or the gateway stopped while running it), over \(JobLimits.key("max_job_attempts"))=\(limits.maxAttempts)")))
                } else {
                    input.yield(job)
                }
            }
        } catch {
            logger.error("cannot read jobs left running", metadata: ["error": "\(error)"])
        }
    }

    /// How long to wait for a job's answer before it is re-sent (the node's one rule).
    func timeout(for job: JobRecord) -> Duration {
        computeTimeout.timeout(containers: job.containers, stream: job.stream)
    }

    /// Runs one job to its end (re-sending on a timeout) and records the result.
    func execute(_ job: JobRecord) async {
        begin()
        defer { end() }
        let request = Self.computeRequest(job)
        let timeout = timeout(for: job)
        var attempt = 1
        while true {
            do {
                let result: ComputeResult
                if job.stream {
                    result = try await Self.collect(bus.stream(request, timeout: timeout), jobID: job.id)
                } else {
                    result = try await bus.run(request, timeout: timeout)
                }
                await record(job, result: result)
                return
            } catch BusError.timedOut where attempt < options.attempts {
                attempt += 1
                logger.warning("job got no answer in time, sending it again", metadata: ["job": "\(job.id)", "attempt": "\(attempt)"])
            } catch BusError.stopped {
                return  // shutting down: stays `running`, re-sent on the next start
            } catch {
                await record(job, error: error)
                return
            }
        }
    }

    /// A stream's final result (its chunks are not wanted here).
    static func collect(_ events: AsyncThrowingStream<BusStreamEvent<ComputeResult>, any Error>, jobID: String) async throws -> ComputeResult {
        for try await event in events {
            if case .response(let result) = event { return result }
        }
        throw BusError.failed(BusFailure(.internal, "the stream ended without a result"))
    }

    static func computeRequest(_ job: JobRecord) -> ComputeRequest {
        ComputeRequest(jobID: job.id, containers: job.containers, data: job.data, requiresProof: job.requiresProof,
                       source: .offchain, destination: job.stream ? .stream : .offchain, stream: job.stream)
    }

    func begin() {
        inflightCount.add(1, ordering: .relaxed)
        metrics.pendingJobs.increment()
    }

    func end() {
        inflightCount.subtract(1, ordering: .relaxed)
        metrics.pendingJobs.decrement()
    }

    /// Stores a job's outcome: the last hop is the result, the hops before it are intermediate.
    func record(_ job: JobRecord, result: ComputeResult) async {
        var finished = job
        if let last = result.outcomes.last {
            finished.status = last.succeeded ? .success : .failed
            finished.result = ResultText.outcome(last)
            finished.intermediate = ResultText.list(result.outcomes.dropLast().map(ResultText.outcome))
        } else {
            finished.status = .failed
            finished.result = ResultText.failure(container: job.containers.first ?? "", error: JSONValue.quoted("no result from the compute worker"))
        }
        await save(finished)
    }

    func record(_ job: JobRecord, error: any Error) async {
        var finished = job
        finished.status = .failed
        finished.result = ResultText.failure(container: job.containers.first ?? "", error: JSONValue.quoted("\(error)"))
        await save(finished)
    }

    private func save(_ job: JobRecord) async {
        do {
            try await store.finish(job)
        } catch {
            logger.error("cannot record a job result", metadata: ["job": "\(job.id)", "error": "\(error)"])
            return
        }
        if job.status == .success { metrics.jobsSucceeded.increment() } else { metrics.jobsFailed.increment() }
        let elapsed = max(0, JobStore.unixTime() - job.createdAt)
        metrics.jobDuration.record(.nanoseconds(Int64(elapsed * 1e9)))
    }
}

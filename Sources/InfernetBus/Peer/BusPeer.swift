import InfernetCore
import Dispatch
import Foundation
import Logging
import Synchronization

/// Why a bus call did not return a response.
public enum BusError: Error, CustomStringConvertible, Sendable, Equatable {
    /// No reply within the caller's timeout.
    case timedOut(id: String, after: Duration)
    /// The broker or the serving handler answered with a failure (its code survives the trip).
    case failed(BusFailure)
    /// The reply's body is not the method's response type.
    case badResponse(method: String, reason: String)
    /// A newer request with the same id took over this wait.
    case superseded(id: String)
    /// The connection is closed (or was never started).
    case stopped

    /// The remote failure, when there was one.
    public var failure: BusFailure? {
        if case .failed(let failure) = self { failure } else { nil }
    }

    public var description: String {
        switch self {
        case .timedOut(let id, let after): "bus request \(id) got no reply within \(after.inSeconds) s"
        case .failed(let failure): failure.message
        case .badResponse(let method, let reason): "the reply to \(method) is not its response type: \(reason)"
        case .superseded(let id): "request \(id) was sent again; the earlier wait is abandoned"
        case .stopped: "the bus connection is closed"
        }
    }
}

/// What a streamed call yields: chunks in order, then the decoded response.
public enum BusStreamEvent<Response: Sendable>: Sendable {
    case chunk(String)
    case response(Response)
}

/// One process's connection to the broker (a DEALER socket on its own thread). It serves the
/// requests routed to the service it announced (`incoming`) and sends its own requests.
///
/// `init` only creates the socket: `start()` connects, starts the thread and announces the
/// peer (requests made before that wait in the outbox). `BusWorkerService` starts and stops
/// the peer it serves; a process that only sends (the gateway) starts and stops its own.
public final class BusPeer: Sendable {
    public struct Options: Sendable {
        public var endpoint: String
        public var identity: String
        public var announcement: PeerAnnouncement
        public var heartbeatInterval: Duration

        public init(endpoint: String, identity: String, announcement: PeerAnnouncement,
                    heartbeatInterval: Duration = .milliseconds(250)) {
            self.endpoint = endpoint
            self.identity = identity
            self.announcement = announcement
            self.heartbeatInterval = heartbeatInterval
        }
    }

    /// Requests the broker routed to this peer; answer each with `reply(_:)`.
    public let incoming: AsyncStream<BusRequest>
    private let incomingContinuation: AsyncStream<BusRequest>.Continuation
    private let options: Options
    private let loop: SocketLoop
    private let waiters: WaiterTable
    private let handler: PeerHandler
    private let started = Atomic<Bool>(false)

    enum Waiter {
        case reply(deadline: ContinuousClock.Instant, timeout: Duration, CheckedContinuation<BusReply, any Error>)
        case stream(deadline: ContinuousClock.Instant, timeout: Duration, StreamSink)
    }

    /// Where a streamed call's chunks and end go.
    struct StreamSink: Sendable {
        let chunk: @Sendable (String) -> Void
        let finish: @Sendable (Result<BusReply, BusError>) -> Void
    }

    public init(options: Options, logger: Logger) throws(ZMQError) {
        self.options = options
        let socket = try ZMQSocket(.dealer)
        socket.setIdentity(options.identity)
        (incoming, incomingContinuation) = AsyncStream.makeStream(of: BusRequest.self)
        let waiters = WaiterTable()
        self.waiters = waiters
        handler = PeerHandler(
            announcement: options.announcement, waiters: waiters, incoming: incomingContinuation, logger: logger)
        let handler = self.handler
        // Frames are decoded off the socket thread, in order, so a large payload never delays
        // the heartbeats the socket thread sends.
        let decoding = DispatchQueue(label: "bus-peer-decode")
        loop = SocketLoop(
            socket: socket, tickInterval: options.heartbeatInterval,
            onFrames: { frames, loop in decoding.async { handler.handle(frames, loop: loop) } },
            onTick: { loop in handler.tick(loop: loop) })
    }

    /// Connects, starts the socket thread and announces this peer; a second call does nothing.
    public func start() throws(ZMQError) {
        guard !started.exchange(true, ordering: .acquiringAndReleasing) else { return }
        // The socket thread has not started: this thread may still use the socket.
        try loop.socket.connect(options.endpoint)
        loop.start(name: "bus-peer", first: [Frame.encode(.ready(options.announcement))])
    }

    /// A fresh request id.
    public static func newID() -> String { UUID().uuidString.lowercased() }

    /// Calls a bus method and waits for its typed response.
    /// - Parameters:
    ///   - id: the request id; a re-send with the same id is served once (idempotent callers
    ///     pass their own: the job id, `receipt-<hash>`).
    ///   - containers: compute routing: only a worker serving all of them gets the request.
    public func call<Request, Response>(
        _ method: BusMethod<Request, Response>, _ request: Request, id: String = BusPeer.newID(),
        containers: [String] = [], timeout: Duration
    ) async throws(BusError) -> Response {
        let reply = try await send(
            BusRequest(id: id, service: method.service, method: method.name, containers: containers,
                       body: BusBody.encode(request)),
            timeout: timeout)
        return try Self.decode(reply, of: method)
    }

    /// Calls a streamed method: chunks as the handler writes them, then the typed response.
    /// A stream is not re-dispatched when its worker dies (it fails with `workerLost`).
    public func stream<Request, Response>(
        _ method: BusMethod<Request, Response>, _ request: Request, id: String = BusPeer.newID(),
        containers: [String] = [], timeout: Duration
    ) -> AsyncThrowingStream<BusStreamEvent<Response>, any Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: BusStreamEvent<Response>.self)
        let sink = StreamSink(
            chunk: { continuation.yield(.chunk($0)) },
            finish: { result in
                do throws(BusError) {
                    let response = try Self.decode(try result.get(), of: method)
                    continuation.yield(.response(response))
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            })
        let request = BusRequest(id: id, service: method.service, method: method.name, containers: containers,
                                 stream: true, body: BusBody.encode(request))
        let now = ContinuousClock.now
        if waiters.add(request.id, .stream(deadline: now + timeout, timeout: timeout, sink)) {
            loop.enqueue([Frame.encode(.request(request))])
        }
        return stream
    }

    /// Sends an untyped request and waits for its reply (the typed `call` builds on it; fault
    /// tests use it to send bodies no method accepts). A reply carrying an error throws `.failed`.
    public func send(_ request: BusRequest, timeout: Duration) async throws(BusError) -> BusReply {
        let reply: BusReply
        do {
            reply = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<BusReply, any Error>) in
                let deadline = ContinuousClock.now + timeout
                guard waiters.add(request.id, .reply(deadline: deadline, timeout: timeout, continuation)) else { return }
                loop.enqueue([Frame.encode(.request(request))])
            }
        } catch let error as BusError {
            throw error
        } catch {
            throw .stopped
        }
        if let failure = reply.error { throw .failed(failure) }
        return reply
    }

    private static func decode<Request, Response>(_ reply: BusReply, of method: BusMethod<Request, Response>) throws(BusError) -> Response {
        if let failure = reply.error { throw .failed(failure) }
        do {
            return try BusBody.decode(Response.self, from: reply.body)
        } catch {
            throw .badResponse(method: method.name, reason: BusBody.describe(error))
        }
    }

    /// Answers a request this peer served.
    public func reply(_ reply: BusReply) { loop.enqueue([Frame.encode(.reply(reply))]) }

    /// Sends one chunk of a streamed reply (the final `reply` follows the last chunk).
    public func send(_ chunk: BusChunk) { loop.enqueue([Frame.encode(.chunk(chunk))]) }

    /// Stop taking new requests (drain); in-flight ones may still be answered.
    public func disconnect() {
        handler.leaving.store(true, ordering: .releasing)
        loop.enqueue([Frame.encode(.disconnect)])
        incomingContinuation.finish()
    }

    /// Sends raw bytes to the broker, for fault tests of its frame validation.
    public func sendRaw(_ frames: [[UInt8]]) { loop.enqueue(frames) }

    /// Closes the connection; requests still waiting (and any made later) fail with `.stopped`.
    public func stop() {
        loop.stop()
        incomingContinuation.finish()
        for waiter in waiters.close() { waiter.fail(BusError.stopped) }
    }
}

extension BusPeer.Waiter {
    func fail(_ error: BusError) {
        switch self {
        case .reply(_, _, let continuation): continuation.resume(throwing: error)
        case .stream(_, _, let sink): sink.finish(.failure(error))
        }
    }
}

/// Requests waiting for their replies, shared by callers and the socket thread. Every waiter
/// that enters is resumed exactly once: by its reply, its deadline, a newer request with the
/// same id, or the connection closing.
final class WaiterTable: Sendable {
    private struct State {
        var waiters: [String: BusPeer.Waiter] = [:]
        var closed = false
    }

    private let state = Mutex(State())

    /// Registers a waiter; false (and the waiter failed) when the connection is closed.
    func add(_ id: String, _ waiter: BusPeer.Waiter) -> Bool {
        let (accepted, replaced) = state.withLock { state -> (Bool, BusPeer.Waiter?) in
            guard !state.closed else { return (false, nil) }
            return (true, state.waiters.updateValue(waiter, forKey: id))
        }
        replaced?.fail(.superseded(id: id))
        if !accepted { waiter.fail(.stopped) }
        return accepted
    }

    func remove(_ id: String) -> BusPeer.Waiter? { state.withLock { $0.waiters.removeValue(forKey: id) } }

    func peek(_ id: String) -> BusPeer.Waiter? { state.withLock { $0.waiters[id] } }

    /// Removes and returns the waiters whose deadline passed.
    func expire(at now: ContinuousClock.Instant) -> [(String, BusPeer.Waiter)] {
        state.withLock { state in
            let late = state.waiters.filter { entry in
                switch entry.value {
                case .reply(let deadline, _, _), .stream(let deadline, _, _): deadline < now
                }
            }
            for (id, _) in late { state.waiters[id] = nil }
            return Array(late)
        }
    }

    func close() -> [BusPeer.Waiter] {
        state.withLock { state in
            state.closed = true
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
    }
}

/// The peer's frame handling: frames on the decoding queue, ticks on the socket thread.
final class PeerHandler: @unchecked Sendable {
    let announcement: PeerAnnouncement
    let waiters: WaiterTable
    let incoming: AsyncStream<BusRequest>.Continuation
    let logger: Logger
    /// Set once this peer said goodbye: it must not re-announce itself while draining.
    let leaving = Atomic<Bool>(false)

    init(announcement: PeerAnnouncement, waiters: WaiterTable,
         incoming: AsyncStream<BusRequest>.Continuation, logger: Logger) {
        self.announcement = announcement
        self.waiters = waiters
        self.incoming = incoming
        self.logger = logger
    }

    /// Runs on the peer's decoding queue (not the socket thread).
    func handle(_ frames: [[UInt8]], loop: SocketLoop) {
        guard frames.count == 1 else {
            logger.error("bus: rejected frame from broker", metadata: ["reason": "expected one frame, got \(frames.count)"])
            return
        }
        let message: BusMessage
        do {
            message = try Frame.decode(frames[0])
        } catch {
            logger.error("bus: rejected frame from broker", metadata: ["reason": "\(error)"])
            return
        }
        switch message {
        case .request(let request): incoming.yield(request)
        case .reply(let reply): finish(reply)
        case .chunk(let chunk): forward(chunk)
        case .disconnect:
            // The broker does not know us (it restarted): announce again, unless we are leaving.
            if !leaving.load(ordering: .acquiring) { loop.enqueue([Frame.encode(.ready(announcement))]) }
        case .heartbeat, .ready: break
        }
    }

    func tick(loop: SocketLoop) {
        loop.sendNow([Frame.encode(.heartbeat)])
        for (id, waiter) in waiters.expire(at: .now) {
            switch waiter {
            case .reply(_, let timeout, _), .stream(_, let timeout, _): waiter.fail(.timedOut(id: id, after: timeout))
            }
        }
    }

    private func finish(_ reply: BusReply) {
        guard let waiter = waiters.remove(reply.id) else { return }
        switch waiter {
        case .reply(_, _, let continuation): continuation.resume(returning: reply)
        case .stream(_, _, let sink): sink.finish(.success(reply))
        }
    }

    private func forward(_ chunk: BusChunk) {
        guard case .stream(_, _, let sink) = waiters.peek(chunk.id) else { return }
        sink.chunk(chunk.data)
    }
}

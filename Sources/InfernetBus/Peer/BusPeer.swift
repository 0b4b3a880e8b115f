import Dispatch
import Logging
import Synchronization

/// Why a bus request did not get an answer.
public enum BusError: Error, CustomStringConvertible, Sendable, Equatable {
    case timedOut(id: String, seconds: Double)
    case remote(String)
    case stopped

    public var description: String {
        switch self {
        case .timedOut(let id, let seconds): "bus request \(id) got no reply within \(seconds) s"
        case .remote(let message): message
        case .stopped: "the bus connection is closed"
        }
    }
}

/// What a streamed request yields: chunks, then the final reply.
public enum StreamEvent: Sendable, Equatable {
    case chunk(String)
    case reply(BusReply)
}

/// One process's connection to the broker (a DEALER socket on its own thread). It serves the
/// requests routed to the service it announced (`incoming`) and sends its own requests.
public final class BusPeer: Sendable {
    public struct Options: Sendable {
        public var endpoint: String
        public var identity: String
        public var announcement: PeerAnnouncement
        public var heartbeatInterval: Double

        public init(endpoint: String, identity: String, announcement: PeerAnnouncement, heartbeatInterval: Double = 0.25) {
            self.endpoint = endpoint
            self.identity = identity
            self.announcement = announcement
            self.heartbeatInterval = heartbeatInterval
        }
    }

    /// Requests the broker routed to this peer; answer each with `reply(_:)`.
    public let incoming: AsyncStream<BusRequest>
    private let incomingContinuation: AsyncStream<BusRequest>.Continuation
    private let loop: SocketLoop
    private let waiters: WaiterTable
    private let handler: PeerHandler

    enum Waiter {
        case reply(deadline: Double, seconds: Double, CheckedContinuation<BusReply, any Error>)
        case stream(deadline: Double, seconds: Double, AsyncThrowingStream<StreamEvent, any Error>.Continuation)
    }

    public init(options: Options, logger: Logger) throws(ZMQError) {
        let socket = try ZMQSocket(.dealer)
        socket.setIdentity(options.identity)
        try socket.connect(options.endpoint)
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
        loop.start(name: "bus-peer")
        loop.enqueue([Frame.encode(.ready(options.announcement))])
    }

    /// Answers a request this peer served.
    public func reply(_ reply: BusReply) { loop.enqueue([Frame.encode(.reply(reply))]) }

    /// Sends one chunk of a streamed reply (the final `reply` follows the last chunk).
    public func send(_ chunk: BusChunk) { loop.enqueue([Frame.encode(.chunk(chunk))]) }

    /// Sends a request and waits for its reply; `BusError.remote` when the bus or handler failed it.
    public func request(_ request: BusRequest, timeout: Double) async throws -> BusReply {
        let reply = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<BusReply, any Error>) in
            guard waiters.add(request.id, .reply(deadline: monotonicSeconds() + timeout, seconds: timeout, continuation)) else { return }
            loop.enqueue([Frame.encode(.request(request))])
        }
        if let error = reply.error { throw BusError.remote(error) }
        return reply
    }

    /// Sends a streamed request; the stream yields chunks as they arrive and ends with the reply.
    public func stream(_ request: BusRequest, timeout: Double) -> AsyncThrowingStream<StreamEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: StreamEvent.self)
        if waiters.add(request.id, .stream(deadline: monotonicSeconds() + timeout, seconds: timeout, continuation)) {
            loop.enqueue([Frame.encode(.request(request))])
        }
        return stream
    }

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
        case .stream(_, _, let continuation): continuation.finish(throwing: error)
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
        replaced?.fail(.remote("request \(id) was sent again; the earlier wait is abandoned"))
        if !accepted { waiter.fail(.stopped) }
        return accepted
    }

    func remove(_ id: String) -> BusPeer.Waiter? { state.withLock { $0.waiters.removeValue(forKey: id) } }

    func peek(_ id: String) -> BusPeer.Waiter? { state.withLock { $0.waiters[id] } }

    /// Removes and returns the waiters whose deadline passed.
    func expire(at now: Double) -> [(String, BusPeer.Waiter)] {
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
        for (id, waiter) in waiters.expire(at: monotonicSeconds()) {
            switch waiter {
            case .reply(_, let seconds, _), .stream(_, let seconds, _): waiter.fail(.timedOut(id: id, seconds: seconds))
            }
        }
    }

    private func finish(_ reply: BusReply) {
        guard let waiter = waiters.remove(reply.id) else { return }
        switch waiter {
        case .reply(_, _, let continuation): continuation.resume(returning: reply)
        case .stream(_, _, let continuation):
            continuation.yield(.reply(reply))
            continuation.finish()
        }
    }

    private func forward(_ chunk: BusChunk) {
        guard case .stream(_, _, let continuation) = waiters.peek(chunk.id) else { return }
        continuation.yield(.chunk(chunk.data))
    }
}

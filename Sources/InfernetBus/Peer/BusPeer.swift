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
    private let rejected = Atomic<Int>(0)

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
        let handler = PeerHandler(
            announcement: options.announcement, waiters: waiters, incoming: incomingContinuation, logger: logger)
        loop = SocketLoop(
            socket: socket, tickInterval: options.heartbeatInterval,
            onFrames: { frames, loop in handler.handle(frames, loop: loop) },
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
            waiters.table.withLock {
                $0[request.id] = .reply(deadline: monotonicSeconds() + timeout, seconds: timeout, continuation)
            }
            loop.enqueue([Frame.encode(.request(request))])
        }
        if let error = reply.error { throw BusError.remote(error) }
        return reply
    }

    /// Sends a streamed request; the stream yields chunks as they arrive and ends with the reply.
    public func stream(_ request: BusRequest, timeout: Double) -> AsyncThrowingStream<StreamEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: StreamEvent.self)
        waiters.table.withLock {
            $0[request.id] = .stream(deadline: monotonicSeconds() + timeout, seconds: timeout, continuation)
        }
        loop.enqueue([Frame.encode(.request(request))])
        return stream
    }

    /// Stop taking new requests (drain); in-flight ones may still be answered.
    public func disconnect() {
        loop.enqueue([Frame.encode(.disconnect)])
        incomingContinuation.finish()
    }

    /// Sends raw bytes to the broker, for fault tests of its frame validation.
    public func sendRaw(_ frames: [[UInt8]]) { loop.enqueue(frames) }

    public func stop() {
        loop.stop()
        incomingContinuation.finish()
        let pending = waiters.table.withLock { all -> [Waiter] in
            let values = Array(all.values)
            all.removeAll()
            return values
        }
        for waiter in pending {
            switch waiter {
            case .reply(_, _, let continuation): continuation.resume(throwing: BusError.stopped)
            case .stream(_, _, let continuation): continuation.finish(throwing: BusError.stopped)
            }
        }
    }
}

/// Requests waiting for their replies, shared by callers and the socket thread.
final class WaiterTable: Sendable {
    let table = Mutex<[String: BusPeer.Waiter]>([:])
}

/// The peer's frame handling, on the peer's socket thread.
final class PeerHandler: @unchecked Sendable {
    let announcement: PeerAnnouncement
    let waiters: WaiterTable
    let incoming: AsyncStream<BusRequest>.Continuation
    let logger: Logger

    init(announcement: PeerAnnouncement, waiters: WaiterTable,
         incoming: AsyncStream<BusRequest>.Continuation, logger: Logger) {
        self.announcement = announcement
        self.waiters = waiters
        self.incoming = incoming
        self.logger = logger
    }

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
            // The broker does not know us (it restarted): announce again.
            loop.sendNow([Frame.encode(.ready(announcement))])
        case .heartbeat, .ready: break
        }
    }

    func tick(loop: SocketLoop) {
        loop.sendNow([Frame.encode(.heartbeat)])
        let now = monotonicSeconds()
        let expired = waiters.table.withLock { all -> [(String, BusPeer.Waiter)] in
            let late = all.filter { entry in
                switch entry.value {
                case .reply(let deadline, _, _), .stream(let deadline, _, _): deadline < now
                }
            }
            for (id, _) in late { all[id] = nil }
            return Array(late)
        }
        for (id, waiter) in expired {
            switch waiter {
            case .reply(_, let seconds, let continuation):
                continuation.resume(throwing: BusError.timedOut(id: id, seconds: seconds))
            case .stream(_, let seconds, let continuation):
                continuation.finish(throwing: BusError.timedOut(id: id, seconds: seconds))
            }
        }
    }

    private func finish(_ reply: BusReply) {
        guard let waiter = waiters.table.withLock({ $0.removeValue(forKey: reply.id) }) else { return }
        switch waiter {
        case .reply(_, _, let continuation): continuation.resume(returning: reply)
        case .stream(_, _, let continuation):
            continuation.yield(.reply(reply))
            continuation.finish()
        }
    }

    private func forward(_ chunk: BusChunk) {
        guard case .stream(_, _, let continuation) = waiters.table.withLock({ $0[chunk.id] }) else { return }
        continuation.yield(.chunk(chunk.data))
    }
}

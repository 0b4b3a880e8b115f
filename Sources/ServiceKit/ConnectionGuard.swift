import Foundation
import Hummingbird
import HummingbirdCore
import InfernetCore
import NIOCore
import NIOHTTPTypes
import Synchronization

// Shared by the gateway and every Swift service built on ServiceKit.

/// Open connections of one server, shared by every connection's guard.
public final class ConnectionCounter: Sendable {
    public let limit: Int
    private let openCount = Atomic<Int>(0)
    private let refusedCount = Atomic<Int>(0)

    public init(limit: Int) { self.limit = limit }

    public var open: Int { openCount.load(ordering: .relaxed) }
    public var refused: Int { refusedCount.load(ordering: .relaxed) }

    /// Counts a new connection; false (and not counted) when the cap is reached.
    func admit() -> Bool {
        if openCount.wrappingAdd(1, ordering: .relaxed).newValue <= limit { return true }
        openCount.subtract(1, ordering: .relaxed)
        refusedCount.add(1, ordering: .relaxed)
        return false
    }

    func release() { openCount.subtract(1, ordering: .relaxed) }
}

/// Connection hygiene for one HTTP/1 connection, against idle and slow clients:
/// - at most `server.max_connections` open: one beyond is closed at once (refused quickly, the
///   others keep being served);
/// - no request for `server.idle_timeout` seconds (keep-alive idle, or nothing sent at all): closed;
/// - a request's headers not complete `server.header_timeout` seconds after its first byte: closed;
/// - a request's body not complete `server.body_timeout` seconds after its headers: closed.
/// While a response is being produced (a long job, a stream) no timer runs.
///
/// It sits after the HTTP codec and puts a small byte watcher in front of it, which tells it
/// when the first byte of a request arrives.
public final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    public typealias InboundIn = HTTPRequestPart
    public typealias InboundOut = HTTPRequestPart
    public typealias OutboundIn = HTTPResponsePart
    public typealias OutboundOut = HTTPResponsePart

    enum Phase { case idle, head, body, responding }

    let limits: ConnectionLimits
    let counter: ConnectionCounter
    private var phase = Phase.idle
    private var timing = PhaseTimer()
    private var timer: Scheduled<Void>?
    private var started = false
    private var admitted = false
    /// Requests read whose response has not ended (HTTP pipelining).
    private var unanswered = 0

    public init(limits: ConnectionLimits, counter: ConnectionCounter) {
        self.limits = limits
        self.counter = counter
    }

    public func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context: context) }
    }

    public func channelActive(context: ChannelHandlerContext) {
        start(context: context)
        // Refused while the pipeline was being set up: close once the channel is live.
        if !admitted {
            context.close(promise: nil)
            return
        }
        context.fireChannelActive()
    }

    public func handlerRemoved(context: ChannelHandlerContext) { finish() }

    public func channelInactive(context: ChannelHandlerContext) {
        finish()
        context.fireChannelInactive()
    }

    private func start(context: ChannelHandlerContext) {
        guard !started else { return }
        started = true
        guard counter.admit() else {
            context.close(promise: nil)
            return
        }
        admitted = true
        try? context.pipeline.syncOperations.addHandler(FirstByteWatcher(guard: self, context: context), position: .first)
        enter(.idle, context: context)
    }

    private func finish() {
        timer?.cancel()
        timer = nil
        timing.stop()
        if admitted {
            admitted = false
            counter.release()
        }
    }

    /// Bytes arrived: when idle, a request's headers have begun.
    func bytesArrived(context: ChannelHandlerContext) {
        if phase == .idle { enter(.head, context: context) }
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            unanswered += 1
            enter(.body, context: context)
        case .end:
            enter(.responding, context: context)
        case .body:
            break
        }
        context.fireChannelRead(data)
    }

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            unanswered = max(0, unanswered - 1)
            if unanswered == 0, phase == .responding { enter(.idle, context: context) }
        }
        context.write(data, promise: promise)
    }

    private func enter(_ next: Phase, context: ChannelHandlerContext) {
        phase = next
        let timeout: Duration?
        switch next {
        case .idle: timeout = limits.idleTimeout
        case .head: timeout = limits.headerTimeout
        case .body: timeout = limits.bodyTimeout
        case .responding: timeout = nil
        }
        let loop = context.eventLoop
        guard let due = timing.enter(deadline: timeout.map { loop.now + TimeAmount($0) }) else { return }
        timer?.cancel()
        schedule(at: due, on: loop, closing: context.channel)
    }

    /// The connection's one timer (`PhaseTimer` decides when it is needed).
    private func schedule(at due: NIODeadline, on loop: any EventLoop, closing channel: any Channel) {
        timer = loop.assumeIsolated().scheduleTask(deadline: due) { [weak self] in
            guard let self else { return }
            self.timer = nil
            switch self.timing.fire(now: loop.now) {
            case .expired: channel.close(promise: nil)
            case .rearm(let next): self.schedule(at: next, on: loop, closing: channel)
            case .nothing: break
            }
        }
    }
}

/// Sees raw bytes before the HTTP decoder and tells the guard a request has begun.
final class FirstByteWatcher: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private weak var guardHandler: ConnectionGuard?
    private let guardContext: ChannelHandlerContext

    init(guard guardHandler: ConnectionGuard, context: ChannelHandlerContext) {
        self.guardHandler = guardHandler
        self.guardContext = context
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guardHandler?.bytesArrived(context: guardContext)
        context.fireChannelRead(data)
    }
}

/// Raises the soft limit on open files to the hard limit, so the connection cap, not the file
/// limit, is what bounds connections. Returns the new soft limit.
@discardableResult
public func raiseOpenFileLimit() -> UInt64 {
    var limit = rlimit()
    guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 0 }
    if limit.rlim_cur < limit.rlim_max {
        var raised = limit
        raised.rlim_cur = limit.rlim_max
        if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { return UInt64(raised.rlim_cur) }
    }
    return UInt64(limit.rlim_cur)
}

extension HTTPServerBuilder {
    /// HTTP/1 with a `ConnectionGuard` on every connection.
    public static func guardedHTTP1(limits: ConnectionLimits, counter: ConnectionCounter) -> HTTPServerBuilder {
        .http1(configuration: HTTP1Channel.Configuration(
            additionalChannelHandlers: [ConnectionGuard(limits: limits, counter: counter)]))
    }
}

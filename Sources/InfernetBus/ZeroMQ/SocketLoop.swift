import CZeroMQ
import Glibc
import Synchronization

/// Runs one ZeroMQ socket on its own thread: receives, sends what other threads queued, and
/// calls a periodic tick (heartbeats).
///
/// libzmq sockets must stay on one thread, so other threads hand frames over through a locked
/// queue and wake the loop with an eventfd that `zmq_poll` watches beside the socket.
final class SocketLoop: @unchecked Sendable {
    typealias Handler = (_ frames: [[UInt8]], _ loop: SocketLoop) -> Void

    let socket: ZMQSocket
    private let wakeFD: Int32
    private let outbox = Mutex<[Work]>([])

    enum Work {
        case frames([[UInt8]])
        case block(@Sendable () -> Void)
    }
    private let stopped = Atomic<Bool>(false)
    private let tickInterval: Duration
    private let clock = ContinuousClock()
    private var thread: pthread_t?
    private let onFrames: Handler
    private let onTick: (SocketLoop) -> Void

    init(socket: ZMQSocket, tickInterval: Duration, onFrames: @escaping Handler, onTick: @escaping (SocketLoop) -> Void) {
        self.socket = socket
        self.wakeFD = eventfd(0, Int32(EFD_NONBLOCK))
        self.tickInterval = tickInterval
        self.onFrames = onFrames
        self.onTick = onTick
    }

    deinit { close(wakeFD) }

    /// Frames sent before anything queued (a peer's announcement must come first).
    private var first: [[UInt8]] = []

    func start(name: String, first: [[UInt8]] = []) {
        self.first = first
        let box = Unmanaged.passRetained(self)
        var handle = pthread_t()
        pthread_create(&handle, nil, { argument in
            let loop = Unmanaged<SocketLoop>.fromOpaque(argument!).takeRetainedValue()
            loop.run()
            return nil
        }, box.toOpaque())
        thread = handle
        _ = name
    }

    /// Queues frames for sending from any thread.
    func enqueue(_ frames: [[UInt8]]) {
        outbox.withLock { $0.append(.frames(frames)) }
        wake()
    }

    /// Runs a block on the loop's thread (to touch state that only the loop owns).
    func perform(_ block: @escaping @Sendable () -> Void) {
        outbox.withLock { $0.append(.block(block)) }
        wake()
    }

    private func wake() {
        var one: UInt64 = 1
        _ = write(wakeFD, &one, 8)
    }

    /// Sends directly; only from the loop's own thread (inside a handler or tick).
    func sendNow(_ frames: [[UInt8]]) { socket.send(frames) }

    func stop() {
        stopped.store(true, ordering: .releasing)
        var one: UInt64 = 1
        _ = write(wakeFD, &one, 8)
        if let thread { pthread_join(thread, nil) }
        thread = nil
    }

    private func run() {
        for frame in first { socket.send([frame]) }
        var items = [socket.pollItem, zmq_pollitem_t(socket: nil, fd: wakeFD, events: Int16(ZMQ_POLLIN), revents: 0)]
        var nextTick = clock.now + tickInterval
        while !stopped.load(ordering: .acquiring) {
            let timeout = clock.now.duration(to: nextTick).pollMilliseconds
            items[0].revents = 0
            items[1].revents = 0
            _ = zmq_poll(&items, 2, timeout)
            if items[1].revents != 0 {
                var value: UInt64 = 0
                _ = read(wakeFD, &value, 8)
            }
            flushOutbox()
            // Drain a bounded number of messages so ticks are never starved.
            var budget = 10_000
            while budget > 0, let frames = socket.receive() {
                onFrames(frames, self)
                budget -= 1
            }
            flushOutbox()
            if clock.now >= nextTick {
                onTick(self)
                nextTick = clock.now + tickInterval
            }
        }
        flushOutbox()
    }

    private func flushOutbox() {
        let pending = outbox.withLock { queue -> [Work] in
            let taken = queue
            queue.removeAll(keepingCapacity: true)
            return taken
        }
        for work in pending {
            switch work {
            case .frames(let frames): socket.send(frames)
            case .block(let block): block()
            }
        }
    }
}

extension Duration {
    /// Whole milliseconds, rounded up, as `zmq_poll` takes its timeout; 0 when not positive.
    var pollMilliseconds: Int {
        guard self > .zero else { return 0 }
        let (seconds, attoseconds) = components
        return Int(seconds) * 1000 + Int((attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000)
    }
}

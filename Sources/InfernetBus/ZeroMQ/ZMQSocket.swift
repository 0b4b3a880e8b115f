import CZeroMQ
import Glibc

/// A libzmq error, with the library's own text.
public struct ZMQError: Error, CustomStringConvertible, Sendable {
    public let operation: String
    public let code: Int32
    public var description: String { "\(operation): \(String(cString: zmq_strerror(code)))" }

    static func last(_ operation: String) -> ZMQError { ZMQError(operation: operation, code: zmq_errno()) }
}

/// The process-wide libzmq context (thread-safe by libzmq's contract).
final class ZMQContext: @unchecked Sendable {
    static let shared = ZMQContext()
    let handle: UnsafeMutableRawPointer

    private init() {
        handle = zmq_ctx_new()
        zmq_ctx_set(handle, ZMQ_IO_THREADS, 1)
    }
}

/// One libzmq socket. Not thread-safe: each socket lives on the one thread that runs its loop.
final class ZMQSocket {
    enum Kind { case router, dealer }

    let handle: UnsafeMutableRawPointer

    init(_ kind: Kind) throws(ZMQError) {
        guard let handle = zmq_socket(ZMQContext.shared.handle, kind == .router ? ZMQ_ROUTER : ZMQ_DEALER) else {
            throw ZMQError.last("zmq_socket")
        }
        self.handle = handle
        setOption(ZMQ_LINGER, 0)
        // Bus traffic is bursty; do not drop frames under load at the default 1,000 limit.
        setOption(ZMQ_SNDHWM, 100_000)
        setOption(ZMQ_RCVHWM, 100_000)
    }

    deinit { zmq_close(handle) }

    func setOption(_ option: Int32, _ value: Int32) {
        var value = value
        zmq_setsockopt(handle, option, &value, MemoryLayout<Int32>.size)
    }

    func setIdentity(_ identity: String) {
        let bytes = Array(identity.utf8)
        bytes.withUnsafeBytes { _ = zmq_setsockopt(handle, ZMQ_ROUTING_ID, $0.baseAddress, $0.count) }
    }

    func bind(_ endpoint: String) throws(ZMQError) {
        if zmq_bind(handle, endpoint) != 0 { throw ZMQError.last("bind \(endpoint)") }
    }

    func connect(_ endpoint: String) throws(ZMQError) {
        if zmq_connect(handle, endpoint) != 0 { throw ZMQError.last("connect \(endpoint)") }
    }

    /// Sends one multipart message without blocking; false when it could not be queued.
    @discardableResult
    func send(_ frames: [[UInt8]]) -> Bool {
        for (index, frame) in frames.enumerated() {
            let flags = (index < frames.count - 1 ? ZMQ_SNDMORE : 0) | ZMQ_DONTWAIT
            let sent = frame.withUnsafeBytes { zmq_send(handle, $0.baseAddress, $0.count, flags) }
            if sent < 0 { return false }
        }
        return true
    }

    /// Receives one multipart message if one is waiting.
    func receive() -> [[UInt8]]? {
        var frames: [[UInt8]] = []
        var message = zmq_msg_t()
        while true {
            zmq_msg_init(&message)
            defer { zmq_msg_close(&message) }
            let size = zmq_msg_recv(&message, handle, frames.isEmpty ? ZMQ_DONTWAIT : 0)
            if size < 0 { return frames.isEmpty ? nil : frames }
            let data = zmq_msg_data(&message)
            frames.append(data.map { Array(UnsafeRawBufferPointer(start: $0, count: Int(size))) } ?? [])
            if zmq_msg_more(&message) == 0 { return frames }
        }
    }

    /// The socket's file descriptor for polling is not needed: `ZMQPoller` polls the socket itself.
    var pollItem: zmq_pollitem_t {
        zmq_pollitem_t(socket: handle, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0)
    }
}

import InfernetCore
import Logging
import Synchronization

/// The broker's per-frame work: decode, apply the rules, send. Lives on the broker's thread only.
final class BrokerCore: @unchecked Sendable {
    var state: BrokerState
    let observer: Broker.Observer
    let logger: Logger
    /// A copy of the figures for other threads, refreshed every tick.
    let latestStatistics = Mutex<BrokerStatistics?>(nil)
    /// `BrokerState` keeps times as durations since this instant (a pure value its tests drive).
    private let clock = ContinuousClock()
    private let epoch: ContinuousClock.Instant

    init(state: BrokerState, observer: Broker.Observer, logger: Logger) {
        self.state = state
        self.observer = observer
        self.logger = logger
        epoch = clock.now
    }

    private var now: Duration { epoch.duration(to: clock.now) }

    func handle(_ frames: [[UInt8]], loop: SocketLoop) {
        // ROUTER frames: [identity, payload]. Anything else is malformed.
        guard frames.count == 2 else {
            reject("expected an identity and one payload frame, got \(frames.count) frames", from: frames.first)
            return
        }
        let identity = frames[0]
        let message: BusMessage
        do {
            message = try Frame.decode(frames[1])
        } catch {
            reject(error.description, from: identity)
            return
        }
                if case .ready(let announcement) = message {
            logger.info("bus: peer joined", metadata: [
                "service": "\(announcement.service)", "pid": "\(announcement.pid)",
                "containers": "\(announcement.containers.joined(separator: ","))"])
            observer.peerJoined(announcement)
        }
        send(state.received(message, from: identity, at: now), loop: loop, received: (message, frames[1]))
    }

    func tick(loop: SocketLoop) {
        let (outgoing, lost) = state.tick(at: now)
        for peer in lost {
            logger.warning("bus: peer missed its heartbeats", metadata: ["service": "\(peer.service)", "pid": "\(peer.pid)"])
            observer.peerLost(peer)
        }
        send(outgoing, loop: loop)
        latestStatistics.withLock { $0 = state.statistics }
    }

    func processExited(pid: Int32, loop: SocketLoop) {
        send(state.processExited(pid: pid, at: now), loop: loop)
    }

    /// Sends what the rules decided. A message forwarded unchanged (requests, replies, chunks)
    /// reuses the frame it arrived in instead of being encoded again.
    private func send(_ outgoing: [BrokerState.Outgoing], loop: SocketLoop, received: (BusMessage, [UInt8])? = nil) {
        for item in outgoing {
            let payload = received.flatMap { $0.0 == item.message ? $0.1 : nil } ?? Frame.encode(item.message)
            loop.sendNow([item.to, payload])
        }
    }

    private func reject(_ reason: String, from identity: [UInt8]?) {
        state.rejectedFrame()
        let peer = identity.map { String(decoding: $0, as: UTF8.self) } ?? "?"
        logger.error("bus: rejected frame", metadata: ["peer": "\(peer)", "reason": "\(reason)"])
    }
}

/// The broker's routing state and rules, kept free of sockets so it can be tested directly.
///
/// Majordomo-style: peers announce a service; requests go to the least-loaded live peer of the
/// service that serves every container the request needs; replies go back to whoever asked.
/// Paranoid-Pirate-style liveness: a peer silent for `liveness` is dead and its in-flight
/// requests are dispatched again (streams fail instead: chunks were already relayed).
///
/// Times (`at now:`) are offsets from an epoch the owner picks (`BrokerCore`: its start on a
/// `ContinuousClock`), so the rules need no clock and the tests drive time directly.
struct BrokerState {
    typealias Identity = [UInt8]

    struct Peer {
        var identity: Identity
        var announcement: PeerAnnouncement
        var lastSeen: Duration
        var inflight: Set<String> = []
        var draining = false
        let containers: Set<String>
    }

    struct Pending {
        var request: BusRequest
        var client: Identity
        var worker: Identity?
        var queuedAt: Duration
    }

    /// What the broker must send: frames addressed to one peer.
    struct Outgoing: Equatable {
        var to: Identity
        var message: BusMessage
    }

    let liveness: Duration
    let queueTimeout: Duration
    private(set) var peers: [Identity: Peer] = [:]
    private(set) var pending: [String: Pending] = [:]
    private(set) var queue: [String] = []
    private(set) var counters = BrokerCounters()

    init(liveness: Duration, queueTimeout: Duration) {
        self.liveness = liveness
        self.queueTimeout = queueTimeout
    }

    // MARK: Events

    mutating func received(_ message: BusMessage, from identity: Identity, at now: Duration) -> [Outgoing] {
        if peers[identity] == nil, message == .heartbeat {
            // Majordomo: a heartbeat from a stranger means the broker restarted; ask it to re-announce.
            return [Outgoing(to: identity, message: .disconnect)]
        }
        peers[identity]?.lastSeen = now
        switch message {
        case .ready(let announcement): return register(identity, announcement, at: now)
        case .heartbeat: return []
        case .request(let request): return accept(request, from: identity, at: now)
        case .reply(let reply): return complete(reply, from: identity, at: now)
        case .chunk(let chunk):
            guard let client = pending[chunk.id]?.client else { return [] }
            return [Outgoing(to: client, message: .chunk(chunk))]
        case .disconnect:
            peers[identity]?.draining = true
            if peers[identity]?.inflight.isEmpty == true { peers[identity] = nil }
            return []
        }
    }

    mutating func rejectedFrame() { counters.rejectedFrames += 1 }

    /// Heartbeats out, dead peers dropped (their work re-dispatched), stale queue entries failed.
    mutating func tick(at now: Duration) -> (outgoing: [Outgoing], lost: [PeerAnnouncement]) {
        var outgoing: [Outgoing] = []
        var lost: [PeerAnnouncement] = []
        for (identity, peer) in peers where now - peer.lastSeen > liveness {
            lost.append(peer.announcement)
            outgoing += drop(identity, at: now)
        }
        outgoing += peers.keys.map { Outgoing(to: $0, message: .heartbeat) }
        outgoing += expireQueue(at: now)
        return (outgoing, lost)
    }

    /// The supervisor saw the process exit: no need to wait for missed heartbeats.
    mutating func processExited(pid: Int32, at now: Duration) -> [Outgoing] {
        let identities = peers.values.filter { $0.announcement.pid == pid }.map(\.identity)
        return identities.flatMap { drop($0, at: now) }
    }

    var livePeers: [PeerAnnouncement] { peers.values.map(\.announcement) }

    var statistics: BrokerStatistics {
        var byService: [String: Int] = [:]
        for peer in peers.values { byService[peer.announcement.service.rawValue, default: 0] += 1 }
        return BrokerStatistics(
            peersByService: byService, inflight: pending.count - queue.count, queued: queue.count,
            routed: counters.routed, redispatched: counters.redispatched, rejectedFrames: counters.rejectedFrames,
            failed: counters.failed)
    }

    // MARK: Rules

    private mutating func register(_ identity: Identity, _ announcement: PeerAnnouncement, at now: Duration) -> [Outgoing] {
        // A known identity announcing again restarted: what it held is lost with the old process.
        var outgoing = peers[identity] != nil ? drop(identity, at: now) : []
        peers[identity] = Peer(identity: identity, announcement: announcement, lastSeen: now,
                               containers: Set(announcement.containers))
        outgoing += dispatchQueued(at: now)
        return outgoing
    }

    private mutating func accept(_ request: BusRequest, from client: Identity, at now: Duration) -> [Outgoing] {
        if request.service == BrokerStatistics.service {
            return [Outgoing(to: client, message: .reply(BusReply(id: request.id, body: BusBody.encode(statistics))))]
        }
        if pending[request.id] != nil {
            // A re-send of work already under way: answer the latest sender, run it once.
            pending[request.id]?.client = client
            return []
        }
        pending[request.id] = Pending(request: request, client: client, worker: nil, queuedAt: now)
        queue.append(request.id)
        return dispatchQueued(at: now)
    }

    private mutating func complete(_ reply: BusReply, from worker: Identity, at now: Duration) -> [Outgoing] {
        peers[worker]?.inflight.remove(reply.id)
        if let peer = peers[worker], peer.draining, peer.inflight.isEmpty { peers[worker] = nil }
        var outgoing: [Outgoing] = []
        if let entry = pending.removeValue(forKey: reply.id) {
            outgoing.append(Outgoing(to: entry.client, message: .reply(reply)))
        }
        return outgoing + dispatchQueued(at: now)
    }

    private mutating func drop(_ identity: Identity, at now: Duration) -> [Outgoing] {
        guard let peer = peers.removeValue(forKey: identity) else { return [] }
        var outgoing: [Outgoing] = []
        for id in peer.inflight.sorted() {
            guard var entry = pending[id] else { continue }
            if entry.request.stream {
                pending[id] = nil
                counters.failed += 1
                outgoing.append(Outgoing(to: entry.client, message: .reply(
                    BusReply(id: id, error: BusFailure(.workerLost, "the worker running this stream stopped before it finished")))))
            } else {
                entry.worker = nil
                entry.queuedAt = now
                pending[id] = entry
                queue.insert(id, at: 0)
                counters.redispatched += 1
            }
        }
        return outgoing + dispatchQueued(at: now)
    }

    private mutating func dispatchQueued(at now: Duration) -> [Outgoing] {
        var outgoing: [Outgoing] = []
        var waiting: [String] = []
        for id in queue {
            guard let entry = pending[id] else { continue }
            if let worker = chooseWorker(for: entry.request) {
                peers[worker]?.inflight.insert(id)
                pending[id]?.worker = worker
                counters.routed += 1
                outgoing.append(Outgoing(to: worker, message: .request(entry.request)))
            } else {
                waiting.append(id)
            }
        }
        queue = waiting
        return outgoing
    }

    private func chooseWorker(for request: BusRequest) -> Identity? {
        var best: Peer?
        for peer in peers.values where peer.announcement.service == request.service && !peer.draining
            && peer.inflight.count < peer.announcement.capacity
            && request.containers.allSatisfy(peer.containers.contains)
        {
            if peer.inflight.count < best?.inflight.count ?? Int.max { best = peer }
        }
        return best?.identity
    }

    private mutating func expireQueue(at now: Duration) -> [Outgoing] {
        var outgoing: [Outgoing] = []
        queue.removeAll { id in
            guard let entry = pending[id] else { return true }
            guard now - entry.queuedAt > queueTimeout else { return false }
            pending[id] = nil
            counters.failed += 1
            let needs = entry.request.containers.isEmpty ? "" : " serving \(entry.request.containers.joined(separator: ","))"
            outgoing.append(Outgoing(to: entry.client, message: .reply(BusReply(
                id: id, error: BusFailure(
                    .unavailable, "no '\(entry.request.service)' worker\(needs) became available within \(queueTimeout.components.seconds) s")))))
            return true
        }
        return outgoing
    }
}

struct BrokerCounters {
    var routed = 0
    var redispatched = 0
    var rejectedFrames = 0
    var failed = 0
}

/// The broker's figures, answered to a request for service `broker` (used by `/metrics`).
public struct BrokerStatistics: Codable, Sendable, Equatable {
    /// The service name that reaches the broker itself.
    public static let service = BusService.broker
    /// The method the gateway calls for these figures.
    public static let method = BusMethod<BusEmpty, BrokerStatistics>(.broker, "broker.statistics")
    /// Service name -> live peers.
    public var peersByService: [String: Int]
    public var inflight: Int
    public var queued: Int
    public var routed: Int
    public var redispatched: Int
    public var rejectedFrames: Int
    public var failed: Int
}

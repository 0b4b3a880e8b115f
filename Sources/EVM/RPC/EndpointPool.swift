import Foundation

/// Health bookkeeping for the client's URLs: a URL that fails, rate-limits or lags behind the
/// others is set aside for a cool-down that doubles with each consecutive failure, and retried
/// after it.
actor EndpointPool {
    struct Endpoint {
        let url: String
        var consecutiveFailures = 0
        var setAsideUntil: ContinuousClock.Instant?
        var head: UInt64?
        var reason: String?
    }

    private(set) var endpoints: [Endpoint]
    private let baseCooldown: Duration
    private let maxCooldown: Duration
    private var nextID: Int64 = 1
    private var lastHeadCheck: ContinuousClock.Instant?

    init(urls: [String], baseCooldown: Duration, maxCooldown: Duration) {
        endpoints = urls.map { Endpoint(url: $0) }
        self.baseCooldown = baseCooldown
        self.maxCooldown = maxCooldown
    }

    func takeID(count: Int = 1) -> Int64 {
        defer { nextID += Int64(count) }
        return nextID
    }

    func url(_ index: Int) -> String { endpoints[index].url }

    private func isAvailable(_ endpoint: Endpoint, now: ContinuousClock.Instant) -> Bool {
        endpoint.setAsideUntil.map { $0 <= now } ?? true
    }

    /// The preferred URL not in `tried`: the first available one in configuration order, else the
    /// set-aside one whose cool-down ends soonest. nil when every URL was tried.
    func choose(excluding tried: Set<Int>) -> Int? {
        let now = ContinuousClock.now
        let candidates = endpoints.indices.filter { !tried.contains($0) }
        if let available = candidates.first(where: { isAvailable(endpoints[$0], now: now) }) { return available }
        return candidates.min { (endpoints[$0].setAsideUntil ?? now) < (endpoints[$1].setAsideUntil ?? now) }
    }

    func reportSuccess(_ index: Int) {
        endpoints[index].consecutiveFailures = 0
        endpoints[index].setAsideUntil = nil
        endpoints[index].reason = nil
    }

    func reportFailure(_ index: Int, reason: String) {
        endpoints[index].consecutiveFailures += 1
        setAside(index, failures: endpoints[index].consecutiveFailures, reason: reason)
    }

    private func setAside(_ index: Int, failures: Int, reason: String) {
        var cooldown = baseCooldown * (1 << min(failures - 1, 16))
        if cooldown > maxCooldown { cooldown = maxCooldown }
        endpoints[index].setAsideUntil = ContinuousClock.now + cooldown
        endpoints[index].reason = reason
    }

    /// Whether the heads are due for a comparison (only with more than one URL).
    func headCheckDue(interval: Duration) -> Bool {
        guard endpoints.count > 1 else { return false }
        let now = ContinuousClock.now
        guard let last = lastHeadCheck else { return true }
        return now - last >= interval
    }

    /// Indices of URLs to ask for their head (available now, or whose cool-down ended).
    func headCheckCandidates() -> [Int] {
        lastHeadCheck = ContinuousClock.now
        let now = ContinuousClock.now
        return endpoints.indices.filter { isAvailable(endpoints[$0], now: now) }
    }

    /// Records heads; sets aside URLs more than `maxLag` blocks behind the highest. Returns the highest.
    func recordHeads(_ heads: [Int: UInt64], maxLag: UInt64) -> UInt64? {
        guard let best = heads.values.max() else { return nil }
        for (index, head) in heads {
            endpoints[index].head = head
            if best - head > maxLag {
                endpoints[index].consecutiveFailures += 1
                setAside(index, failures: endpoints[index].consecutiveFailures,
                         reason: "lags \(best - head) blocks behind the best URL")
            } else {
                reportSuccess(index)
            }
        }
        return best
    }

    /// A snapshot for diagnostics: URL, whether it is set aside, and why.
    func status() -> [(url: String, setAside: Bool, reason: String?, head: UInt64?)] {
        let now = ContinuousClock.now
        return endpoints.map { ($0.url, !isAvailable($0, now: now), $0.reason, $0.head) }
    }
}

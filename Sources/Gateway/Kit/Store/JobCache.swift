import Synchronization

/// A bounded cache of recent jobs (newest kept), so reads of fresh results skip SQLite. Only
/// state already committed to the database is put here. Keyed like the table: client and id.
final class JobCache: Sendable {
    private let capacity: Int
    private let state: Mutex<State>

    struct State {
        var jobs: [String: JobRecord] = [:]
        /// Insertion order, as a ring, for eviction.
        var order: [String] = []
        var next = 0
    }

    init(capacity: Int) {
        self.capacity = max(1, capacity)
        var state = State()
        state.jobs.reserveCapacity(min(capacity, 1 << 16))
        self.state = Mutex(state)
    }

    static func key(client: String, id: String) -> String { client + "\u{0}" + id }

    func get(client: String, id: String) -> JobRecord? { state.withLock { $0.jobs[Self.key(client: client, id: id)] } }

    func put(_ job: JobRecord) {
        let key = Self.key(client: job.client, id: job.id)
        state.withLock { state in
            if state.jobs.updateValue(job, forKey: key) != nil { return }
            if state.order.count < capacity {
                state.order.append(key)
            } else {
                let evicted = state.order[state.next]
                state.order[state.next] = key
                state.next = (state.next + 1) % capacity
                if evicted != key { state.jobs[evicted] = nil }
            }
        }
    }

    /// Forgets pruned jobs (their slots in the ring are reused as new jobs arrive).
    func remove(_ keys: [(client: String, id: String)]) {
        state.withLock { state in
            for key in keys { state.jobs[Self.key(client: key.client, id: key.id)] = nil }
        }
    }

    var count: Int { state.withLock { $0.jobs.count } }
}

import Synchronization

/// A bounded cache of recent jobs (newest kept), so reads of fresh results skip SQLite. Only
/// state already committed to the database is put here.
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

    func get(_ id: String) -> JobRecord? { state.withLock { $0.jobs[id] } }

    func put(_ job: JobRecord) {
        state.withLock { state in
            if state.jobs.updateValue(job, forKey: job.id) != nil { return }
            if state.order.count < capacity {
                state.order.append(job.id)
            } else {
                let evicted = state.order[state.next]
                state.order[state.next] = job.id
                state.next = (state.next + 1) % capacity
                if evicted != job.id { state.jobs[evicted] = nil }
            }
        }
    }

    var count: Int { state.withLock { $0.jobs.count } }
}

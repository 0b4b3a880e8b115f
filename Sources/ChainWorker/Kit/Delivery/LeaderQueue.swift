/// Leader-and-queue grouping, for an actor that sends work in groups: one item at a time goes out
/// alone; items submitted while a group is out wait, and the first of them (the next leader)
/// sends everything that waited as one group (at most `maxGroupSize`). Each submitter gets its own
/// item's result. Used by `RPCBatcher` (JSON-RPC batches) and `TransactionManager` (group sends).
///
/// Not `Sendable`: its state belongs to the owning actor, and `submit` runs on that actor
/// (`isolation`), so the queue needs no lock of its own.
final class LeaderQueue<Item: Sendable, Output: Sendable> {
    let maxGroupSize: Int
    private var queued: [(ticket: Int, item: Item)] = []
    private var busy = false
    private var waiters: [Int: CheckedContinuation<Turn, Never>] = [:]
    private var nextTicket = 0

    private enum Turn {
        case done(Result<Output, any Error>)
        case lead
    }

    init(maxGroupSize: Int) { self.maxGroupSize = max(1, maxGroupSize) }

    /// Sends `item` alone or in a group: `send` gets the group in submission order and returns
    /// one result per item, in the same order.
    func submit(_ item: Item, isolation: isolated (any Actor)? = #isolation,
                send: ([Item]) async -> [Result<Output, any Error>]) async throws -> Output {
        let ticket = nextTicket
        nextTicket += 1
        queued.append((ticket, item))
        if busy {
            let turn = await withCheckedContinuation { waiters[ticket] = $0 }
            if case .done(let result) = turn { return try result.get() }
            // `.lead`: this item is first in the queue and sends the next group.
        } else {
            busy = true
        }
        let group = Array(queued.prefix(maxGroupSize))
        queued.removeFirst(group.count)
        let results = await send(group.map(\.item))
        var mine: Result<Output, any Error> = .failure(CancellationError())
        for (index, entry) in group.enumerated() {
            let result = index < results.count ? results[index] : .failure(CancellationError())
            if entry.ticket == ticket { mine = result } else { waiters.removeValue(forKey: entry.ticket)?.resume(returning: .done(result)) }
        }
        if let next = queued.first {
            waiters.removeValue(forKey: next.ticket)?.resume(returning: .lead)
        } else {
            busy = false
        }
        return try mine.get()
    }
}

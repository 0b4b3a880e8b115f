/// Work that actor methods start (one task per delivery) but that a `run()` owns: `spawn` hands
/// the work over, and `run()` adds each as a child task of its own task group, so every such
/// task is cancelled when the run ends instead of outliving it as an unstructured `Task {}`.
struct ChildTasks: Sendable {
    typealias Work = @Sendable () async -> Void
    private let stream: AsyncStream<Work>
    private let continuation: AsyncStream<Work>.Continuation

    init() {
        (stream, continuation) = AsyncStream.makeStream(of: Work.self)
    }

    /// Queues `work` for `run()`; false when the owner has stopped (the work will not run).
    @discardableResult
    func spawn(_ work: @escaping Work) -> Bool {
        if case .enqueued = continuation.yield(work) { return true }
        return false
    }

    /// Runs spawned work as child tasks until cancelled (or `finish()`), then cancels what still runs.
    func run() async {
        await withDiscardingTaskGroup { group in
            for await work in stream {
                group.addTask { await work() }
            }
            group.cancelAll()
        }
    }

    /// Ends `run()`; later spawns are refused.
    func finish() { continuation.finish() }
}

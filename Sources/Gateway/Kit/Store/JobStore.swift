import Foundation
import GRDB
import InfernetCore
import ServiceLifecycle
import Synchronization
import WorkerKit

/// Off-chain jobs in SQLite (`<data_dir>/gateway.sqlite`, WAL), with group commit for writes
/// and a cache of recent jobs for reads. A job is committed before it is sent on the bus and
/// survives a crash of the process; `synchronous = NORMAL` trades durability across power loss
/// (not process crashes) for commit latency. A service: writes commit while it runs (the
/// gateway's service group runs it; it stops after the dispatcher, whose results it records).
public final class JobStore: Service, Sendable {
    let pool: DatabasePool
    let cache: JobCache
    let batcher: WriteBatcher
    /// Status polls waiting for running jobs to finish.
    let completions = JobCompletions()
    /// Keys of the jobs a previous run left `running`, read when the store was opened (before
    /// this run could accept any); nil once `takeLeftovers()` has taken them.
    private let leftoverKeys: Mutex<Set<String>?>

    /// Opens (creating if needed) the store at `path`. `cacheCapacity`: the newest jobs kept in
    /// memory; 4,096 holds every job in flight and the recently finished ones a poll asks for
    /// (the status wait answers most polls as the job finishes), and bounds the gateway's heap:
    /// 20,000 grew it by ~19 MiB over the first 20k jobs (docs/benchmarks.md). Older jobs are read
    /// from SQLite.
    public init(path: String, cacheCapacity: Int = 4_096) throws {
        pool = try SQLiteFile.open(path: path, migrator: Self.migrator)
        cache = JobCache(capacity: cacheCapacity)
        batcher = WriteBatcher(writer: pool)
        let keys = try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT client, id FROM jobs WHERE status = 'running'")
                .map { JobCache.key(client: $0["client"], id: $0["id"]) }
        }
        leftoverKeys = Mutex(Set(keys))
    }

    /// Commits writes until graceful shutdown (group commit, `WriteBatcher`), and meanwhile
    /// ends status polls whose wait is over; on shutdown it ends them all.
    public func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await self.completions.run(tick: .milliseconds(10)) }
            defer { group.cancelAll() }
            try await batcher.run()
        }
    }

    /// The store's file in a data directory.
    public static func path(dataDirectory: String) -> String {
        URL(fileURLWithPath: dataDirectory).appendingPathComponent("gateway.sqlite").path
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE jobs (
                    id TEXT PRIMARY KEY NOT NULL,
                    client TEXT NOT NULL,
                    status TEXT NOT NULL,
                    containers TEXT NOT NULL,
                    data TEXT NOT NULL,
                    requires_proof INTEGER NOT NULL DEFAULT 0,
                    stream INTEGER NOT NULL DEFAULT 0,
                    result TEXT,
                    intermediate TEXT NOT NULL DEFAULT '[]',
                    created REAL NOT NULL,
                    updated REAL NOT NULL
                ) WITHOUT ROWID;
                CREATE INDEX jobs_by_client ON jobs (client, created);
                CREATE INDEX jobs_running ON jobs (created) WHERE status = 'running';
                """)
        }
        // Records keyed by client address and id, as the reference keys them (a status push
        // only ever touches the pusher's own record); sends of each job (the poison-job bound);
        // an index for pruning finished jobs.
        migrator.registerMigration("v2") { db in
            try db.execute(sql: """
                CREATE TABLE jobs_v2 (
                    id TEXT NOT NULL,
                    client TEXT NOT NULL,
                    status TEXT NOT NULL,
                    containers TEXT NOT NULL,
                    data TEXT NOT NULL,
                    requires_proof INTEGER NOT NULL DEFAULT 0,
                    stream INTEGER NOT NULL DEFAULT 0,
                    result TEXT,
                    intermediate TEXT NOT NULL DEFAULT '[]',
                    created REAL NOT NULL,
                    updated REAL NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 1,
                    PRIMARY KEY (client, id)
                ) WITHOUT ROWID;
                INSERT INTO jobs_v2 (id, client, status, containers, data, requires_proof, stream, result,
                                     intermediate, created, updated)
                    SELECT id, client, status, containers, data, requires_proof, stream, result,
                           intermediate, created, updated FROM jobs;
                DROP TABLE jobs;
                ALTER TABLE jobs_v2 RENAME TO jobs;
                CREATE INDEX jobs_by_client ON jobs (client, created);
                CREATE INDEX jobs_running ON jobs (created) WHERE status = 'running';
                CREATE INDEX jobs_finished ON jobs (updated) WHERE status != 'running';
                """)
        }
        return migrator
    }

    // MARK: Writes (each returns once committed)

    /// Records a new job (normally `running`), or a full replacement of a job's state.
    public func save(_ job: JobRecord) async throws {
        try await save([job])
    }

    /// Records several jobs in one commit.
    public func save(_ jobs: [JobRecord]) async throws {
        try await batcher.submit(.save(jobs))
        for job in jobs { committed(job) }
    }

    /// Records a job's new status and result.
    public func finish(_ job: JobRecord) async throws {
        try await batcher.submit(.finish(job))
        committed(job)
    }

    /// Makes a committed state visible: to reads (the cache) and to polls waiting for it.
    private func committed(_ job: JobRecord) {
        cache.put(job)
        if job.status != .running { completions.finished(JobCache.key(client: job.client, id: job.id)) }
    }

    // MARK: Reads

    /// `client`'s job `id` (records are keyed by client address and id).
    public func job(id: String, client: String) async throws -> JobRecord? {
        if let job = cache.get(client: client, id: id) { return job }
        return try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM jobs WHERE client = ? AND id = ?", arguments: [client, id])
                .map(JobRecord.init(row:))
        }
    }

    /// The jobs of `client` among `ids`, in the order asked (unknown ids left out).
    public func jobs(ids: [String], client: String) async throws -> [JobRecord] {
        var found: [String: JobRecord] = [:]
        var missing: [String] = []
        for id in ids {
            if let job = cache.get(client: client, id: id) { found[id] = job } else { missing.append(id) }
        }
        if !missing.isEmpty {
            let missing = missing
            let rows = try await pool.read { db -> [JobRecord] in
                var records: [JobRecord] = []
                // SQLite limits bound parameters; ask in slices.
                var start = 0
                while start < missing.count {
                    let slice = Array(missing[start..<min(start + 500, missing.count)])
                    let marks = Array(repeating: "?", count: slice.count).joined(separator: ",")
                    records += try Row.fetchAll(
                        db, sql: "SELECT * FROM jobs WHERE client = ? AND id IN (\(marks))",
                        arguments: StatementArguments([client] + slice)
                    ).map(JobRecord.init(row:))
                    start += 500
                }
                return records
            }
            for record in rows { found[record.id] = record }
        }
        var result: [JobRecord] = []
        result.reserveCapacity(found.count)
        var seen = Set<String>()
        for id in ids {
            guard let job = found[id], job.client == client, seen.insert(id).inserted else { continue }
            result.append(job)
        }
        return result
    }

    /// Ids of `client`'s jobs, oldest first: all, only running (`pending == true`) or only
    /// finished (`pending == false`).
    public func jobIDs(client: String, pending: Bool?) async throws -> [String] {
        try await pool.read { db in
            let filter = switch pending {
            case nil: ""
            case true?: " AND status = 'running'"
            case false?: " AND status != 'running'"
            }
            return try String.fetchAll(
                db, sql: "SELECT id FROM jobs WHERE client = ?\(filter) ORDER BY created", arguments: [client])
        }
    }

    /// The jobs a previous run left `running` (a crash or a shutdown) that still are, oldest
    /// first, to be sent again; once per store (later calls answer none). Jobs this run accepted
    /// are never among them, however early they came: sending one again would supersede its
    /// first send while that one is under way.
    public func takeLeftovers() async throws -> [JobRecord] {
        guard let keys = leftoverKeys.withLock({ keys in defer { keys = nil }; return keys }), !keys.isEmpty else {
            return []
        }
        return try await runningJobs().filter { keys.contains(JobCache.key(client: $0.client, id: $0.id)) }
    }

    /// Every job now `running`, oldest first.
    public func runningJobs() async throws -> [JobRecord] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM jobs WHERE status = 'running' ORDER BY created")
                .map(JobRecord.init(row:))
        }
    }

    public func count() async throws -> Int {
        try await pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM jobs") ?? 0 }
    }

    static func unixTime() -> Double { Date().timeIntervalSince1970 }
}

extension JobRecord {
    init(row: Row) {
        let containers: String = row["containers"]
        self.init(
            id: row["id"], client: row["client"],
            status: JobStatus(rawValue: row["status"]) ?? .failed,
            containers: containers.isEmpty ? [] : containers.split(separator: ",").map(String.init),
            data: row["data"], requiresProof: row["requires_proof"], stream: row["stream"],
            result: row["result"], intermediate: row["intermediate"], createdAt: row["created"])
    }
}

import Foundation
import GRDB

/// How every worker opens its SQLite file: WAL (a pool of readers beside one writer),
/// `synchronous = NORMAL` (survives a process crash; a power loss may drop the last commits),
/// a busy timeout, the directory created if missing, and the worker's migrations applied.
public enum SQLiteFile {
    /// Page cache per connection (`PRAGMA cache_size`), KiB.
    public static let cacheKiB = 512

    public static func open(path: String, migrator: DatabaseMigrator) throws -> DatabasePool {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var configuration = Configuration()
        configuration.maximumReaderCount = 4
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // SQLite's default page cache is 2 MiB per connection, filled as the file grows: up to
            // 10 MiB of a worker's heap over its 5 connections. Reads here are by key on recent
            // rows and the file stays in the OS page cache, so 512 KiB each is plenty.
            try db.execute(sql: "PRAGMA cache_size = -\(cacheKiB)")
        }
        let pool = try DatabasePool(path: path, configuration: configuration)
        try migrator.migrate(pool)
        return pool
    }
}

extension Database {
    /// Runs one statement compiled once per connection (GRDB's statement cache). `execute(sql:)`
    /// compiles its SQL on every call, through SQLite's parser and GRDB's authorizer: ~8 % of the
    /// chain worker's CPU per delivery (profile in docs/benchmarks.md), for statements every
    /// delivery runs with new arguments only.
    public func executeCached(sql: String, arguments: StatementArguments) throws {
        try cachedStatement(sql: sql).execute(arguments: arguments)
    }
}

import Foundation
import GRDB

/// How every worker opens its SQLite file: WAL (a pool of readers beside one writer),
/// `synchronous = NORMAL` (survives a process crash; a power loss may drop the last commits),
/// a busy timeout, the directory created if missing, and the worker's migrations applied.
public enum SQLiteFile {
    public static func open(path: String, migrator: DatabaseMigrator) throws -> DatabasePool {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var configuration = Configuration()
        configuration.maximumReaderCount = 4
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        let pool = try DatabasePool(path: path, configuration: configuration)
        try migrator.migrate(pool)
        return pool
    }
}

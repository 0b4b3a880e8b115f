import Foundation
import Logging
import NIOCore
import NIOPosix

/// Sets up swift-log once per process: stderr (journald under systemd), level from
/// `INFERNET_LOG_LEVEL` (default info), label prefixed with the process name.
public enum LoggingBootstrap {
    public static func bootstrap(process: String) {
        let level = ProcessInfo.processInfo.environment["INFERNET_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: "\(process)[\(getpid())] \(label)")
            handler.logLevel = level
            return handler
        }
    }
}

/// What every process of the node does first.
public enum ProcessBootstrap {
    /// Logging, and Swift concurrency running on NIO's event loops: request handlers then run on
    /// the threads that do the I/O instead of hopping to a second thread pool (measured: fewer
    /// context switches, higher throughput on 2 cores).
    public static func start(process: String) {
        if let loops = ProcessInfo.processInfo.environment["INFERNET_EVENT_LOOPS"].flatMap(Int.init), loops > 0 {
            NIOSingletons.groupLoopCountSuggestion = loops
        }
        _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        LoggingBootstrap.bootstrap(process: process)
    }
}

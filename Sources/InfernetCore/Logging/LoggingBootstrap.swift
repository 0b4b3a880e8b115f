import Foundation
import Logging

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

import CProcessControl
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
            return RedactingLogHandler(handler)
        }
    }
}

/// What every process of the node does first.
public enum ProcessBootstrap {
    /// Logging, and Swift concurrency running on NIO's event loops: request handlers then run on
    /// the threads that do the I/O instead of hopping to a second thread pool (measured: fewer
    /// context switches, higher throughput on 2 cores). `loops`: how many (`EventLoopCount`);
    /// a bad `INFERNET_EVENT_LOOPS` ends the process with EX_CONFIG (78), naming it.
    public static func start(process: String, loops: EventLoopCount) {
        name(process)
        MallocTuning.apply()
        TimeZoneTuning.apply()
        do {
            NIOSingletons.groupLoopCountSuggestion = try loops.loops(
                cores: System.coreCount, override: ProcessInfo.processInfo.environment[EventLoopCount.variable])
        } catch {
            FileHandle.standardError.write(Data("\(process): \(error)\n".utf8))
            exit(78)
        }
        _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        Redaction.register(environment: ProcessInfo.processInfo.environment)
        LoggingBootstrap.bootstrap(process: process)
        ParentWatch.start()
    }

    /// Names the process as `ps` and `top` show it (comm, at most 15 bytes): a worker started as
    /// `infernet-node worker infernet-compute` then reads `infernet-comput`, as the separate
    /// executable would. Threads started later inherit the name.
    static func name(_ process: String) {
        let fd = open("/proc/self/task/\(getpid())/comm", O_WRONLY)
        guard fd >= 0 else { return }
        let bytes = Array(process.utf8.prefix(15))
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
    }
}

/// Passes every message and metadata value through `Redaction.scrub` before the wrapped
/// handler writes it: the one place secrets are kept out of the logs, at every level.
public struct RedactingLogHandler<Wrapped: LogHandler>: LogHandler {
    var wrapped: Wrapped

    public init(_ wrapped: Wrapped) { self.wrapped = wrapped }

    public var logLevel: Logger.Level {
        get { wrapped.logLevel }
        set { wrapped.logLevel = newValue }
    }

    public var metadata: Logger.Metadata {
        get { wrapped.metadata }
        set { wrapped.metadata = newValue }
    }

    public var metadataProvider: Logger.MetadataProvider? {
        get { wrapped.metadataProvider }
        set { wrapped.metadataProvider = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { wrapped[metadataKey: key] }
        set { wrapped[metadataKey: key] = newValue }
    }

    public func log(event: LogEvent) {
        var event = event
        event.message = Logger.Message(stringLiteral: Redaction.scrub(event.message.description))
        event.metadata = event.metadata.map { Self.scrub($0) }
        wrapped.log(event: event)
    }

    static func scrub(_ metadata: Logger.Metadata) -> Logger.Metadata {
        metadata.mapValues(scrub)
    }

    static func scrub(_ value: Logger.Metadata.Value) -> Logger.Metadata.Value {
        switch value {
        case .string(let text): .string(Redaction.scrub(text))
        case .stringConvertible(let convertible): .string(Redaction.scrub(convertible.description))
        case .array(let values): .array(values.map(scrub))
        case .dictionary(let values): .dictionary(values.mapValues(scrub))
        }
    }
}

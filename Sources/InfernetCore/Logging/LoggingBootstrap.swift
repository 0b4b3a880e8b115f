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
    /// Kept here rather than in the wrapped handler, and merged into each event (under its
    /// explicit metadata, as swift-log orders them) so it is scrubbed with it: the wrapped handler
    /// wrote its own metadata unscrubbed, and `StreamLogHandler` re-rendered it on every change
    /// (Hummingbird sets a request id per request: ~1 % of the gateway's CPU under load).
    public var metadata: Logger.Metadata
    public var metadataProvider: Logger.MetadataProvider?

    public init(_ wrapped: Wrapped) {
        self.wrapped = wrapped
        metadata = wrapped.metadata
        metadataProvider = wrapped.metadataProvider
        self.wrapped.metadata = [:]
        // Setting it on a handler without support for providers logs a complaint: only when set.
        if wrapped.metadataProvider != nil { self.wrapped.metadataProvider = nil }
    }

    public var logLevel: Logger.Level {
        get { wrapped.logLevel }
        set { wrapped.logLevel = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var event = event
        event.message = Logger.Message(stringLiteral: Redaction.scrub(event.message.description))
        var merged = metadata
        if let provided = metadataProvider?.get(), !provided.isEmpty {
            merged.merge(provided) { _, new in new }
        }
        if let explicit = event.metadata {
            merged.merge(explicit) { _, new in new }
        }
        event.metadata = merged.isEmpty ? nil : Self.scrub(merged)
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

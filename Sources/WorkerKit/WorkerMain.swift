import ArgumentParser
import Foundation
import InfernetCore

/// What every executable's `main` does with a config that cannot work. Libraries only throw
/// `ConfigError`; the process decides how to end.
public enum WorkerMain {
    /// EX_CONFIG: systemd will not help by restarting a bad config quickly.
    public static let configErrorStatus: Int32 = 78

    /// Runs `body`; a `ConfigError` is printed to stderr, prefixed with the process name, and
    /// ends the command with exit status 78.
    public static func reportingConfigErrors(process: String, _ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as ConfigError {
            FileHandle.standardError.write(Data("\(process): \(error)\n".utf8))
            throw ExitCode(configErrorStatus)
        }
    }
}

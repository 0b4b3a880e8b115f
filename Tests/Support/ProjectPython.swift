import Foundation

/// The project's pinned Python (devnet, oracles), as the test scripts set it up.
public enum ProjectPython {
    public static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public struct Unavailable: Error, CustomStringConvertible {
        public let description: String
    }

    /// The venv python: `INFERNET_PYTHON`, else the last line printed by `scripts/setup.sh`.
    public static func path() throws -> String {
        if let path = ProcessInfo.processInfo.environment["INFERNET_PYTHON"], !path.isEmpty { return path }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [repositoryRoot.appendingPathComponent("scripts/setup.sh").path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { throw Unavailable(description: "cannot run scripts/setup.sh: \(error)") }
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
              let venv = String(decoding: output, as: UTF8.self).split(separator: "\n").last.map(String.init)
        else { throw Unavailable(description: "scripts/setup.sh exited with \(process.terminationStatus)") }
        return venv + "/bin/python"
    }
}

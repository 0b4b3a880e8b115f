import EVM
import Foundation

/// The project's devnet (py-evm + the Vyper SDK contracts) started for a test suite:
/// `python -m devnet --port 0 --deploy`, ready once it prints its `DEVNET READY {json}` line.
public final class DevnetProcess: @unchecked Sendable {
    public let process: Process
    public let rpcURL: String
    public let addresses: [String: Address]

    /// `arguments` go to `python -m devnet` after the defaults (e.g. `["--fee", "511"]`).
    public init(arguments: [String] = []) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try ProjectPython.path())
        process.arguments = ["-m", "devnet", "--port", "0", "--deploy"] + arguments
        process.currentDirectoryURL = ProjectPython.repositoryRoot
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        let ready = try Self.readyLine(output.fileHandleForReading)
        guard let rpc = ready["rpc"] as? String, let raw = ready["addresses"] as? [String: String] else {
            process.terminate()
            throw ProjectPython.Unavailable(description: "devnet did not print its ready line")
        }
        rpcURL = rpc
        addresses = try raw.mapValues { try Address(hex: $0, checksum: false) }
    }

    public func stop() {
        process.terminate()
        process.waitUntilExit()
    }

    private static func readyLine(_ handle: FileHandle) throws -> [String: Any] {
        let prefix = Data("DEVNET READY ".utf8)
        var line = Data()
        while let byte = try handle.read(upToCount: 1), !byte.isEmpty {
            guard byte != Data("\n".utf8) else {
                if line.starts(with: prefix) { break }
                line = Data()
                continue
            }
            line += byte
        }
        guard line.starts(with: prefix) else { return [:] }
        return (try? JSONSerialization.jsonObject(with: Data(line.dropFirst(prefix.count))) as? [String: Any]) ?? [:]
    }
}

import EVM
import Foundation
import TestSupport
import XCTest

/// The seed for randomized tests: `EVM_TEST_SEED` if set, else random (always printed on failure).
func testSeed() -> UInt64 {
    if let text = ProcessInfo.processInfo.environment["EVM_TEST_SEED"], let seed = UInt64(text) { return seed }
    return UInt64.random(in: 0...UInt64.max)
}

func hex(_ text: String) -> Data {
    guard let data = Data(hex: text) else {
        XCTFail("bad hex in test: \(text)")
        return Data()
    }
    return data
}

enum PythonOracleError: Error, CustomStringConvertible {
    case unavailable(String)
    case failed(String)

    var description: String {
        switch self {
        case .unavailable(let reason): "Python reference environment unavailable: \(reason) (run scripts/setup.sh, or set INFERNET_PYTHON)"
        case .failed(let reason): "Python oracle failed: \(reason)"
        }
    }
}

/// Runs Tests/Python/evm/oracle.py once over many cases.
enum PythonOracle {
    static var repositoryRoot: URL { ProjectPython.repositoryRoot }

    static func python() throws -> String {
        do { return try ProjectPython.path() } catch { throw PythonOracleError.unavailable("\(error)") }
    }

    /// Writes `cases` as JSON, runs the oracle in `mode`, returns one result per case.
    static func run(_ mode: String, cases: [[String: Any]]) throws -> [[String: Any]] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("evm-oracle-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("in.json"), output = directory.appendingPathComponent("out.json")
        try JSONSerialization.data(withJSONObject: cases).write(to: input)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try python())
        process.arguments = [repositoryRoot.appendingPathComponent("Tests/Python/evm/oracle.py").path, mode, input.path, output.path]
        let errors = Pipe()
        process.standardError = errors
        do { try process.run() } catch { throw PythonOracleError.unavailable("\(error)") }
        let stderr = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw PythonOracleError.failed("exit \(process.terminationStatus): \(String(decoding: stderr, as: UTF8.self))")
        }
        guard let results = try JSONSerialization.jsonObject(with: Data(contentsOf: output)) as? [[String: Any]],
              results.count == cases.count else { throw PythonOracleError.failed("bad output") }
        return results
    }
}

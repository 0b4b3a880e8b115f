import Foundation
import TestSupport
import XCTest

@testable import InfernetCore

/// Checks `pythonRepr` against CPython itself: each case is a JSON text; Python prints
/// `repr(json.loads(text))` and the Swift rendering must match byte for byte.
final class PythonReprTests: XCTestCase {
    static let cases: [String] = [
        #"{"source": 1, "destination": 1, "data": {"hello": "world"}, "requires_proof": false}"#,
        #"{"s": "it's", "d": "say \"hi\"", "both": "it's \"x\"", "back": "a\\b", "nl": "a\nb\tc\r"}"#,
        #"{"u": "héllo wörld 日本 😀", "ctl": "\u0001\u007f\u0085\u00a0\u2028\ufeff", "zw": "\u200b"}"#,
        #"[0, -0, 1, -1, 12345678901234567890123456789, 1.0, -0.0, 0.1, 1.5, 100.0, 1e16, 1e15, 123456789012345.6, 1e-4, 1e-5, 0.00012, 1.7976931348623157e308, 5e-324, 2.5e-7, 3.14159, 1E3, 1e+22]"#,
        #"{"nested": {"a": [1, {"b": null, "c": [true, false]}], "e": {}}, "l": [], "empty": ""}"#,
        #"{"k": "'", "q": "\""}"#,
    ]

    func testMatchesCPython() throws {
        let expected = try Self.pythonReprs(Self.cases)
        for (text, python) in zip(Self.cases, expected) {
            let value = try JSONValue(parsing: text)
            XCTAssertEqual(value.pythonRepr, python, "for \(text)")
        }
    }

    func testRandomFloatsMatchCPython() throws {
        var generator = SystemRandomNumberGenerator()
        let seed = UInt64.random(in: 0...UInt64.max, using: &generator)
        var rng = SplitMix64(seed: seed)
        let values: [String] = (0..<400).map { _ in
            let bits = rng.next()
            let value = Double(bitPattern: bits)
            guard value.isFinite else { return "1.25" }
            return "\(value)"
        } + (0..<200).map { _ in String(Double(rng.next() % 10_000_000) / pow(10, Double(rng.next() % 25))) }
        let text = "[" + values.joined(separator: ",") + "]"
        let python = try Self.pythonReprs([text])[0]
        XCTAssertEqual(try JSONValue(parsing: text).pythonRepr, python, "seed \(seed)")
    }

    /// Runs CPython once for all cases.
    static func pythonReprs(_ texts: [String]) throws -> [String] {
        let script = "import json,sys\nfor line in sys.stdin.read().split('\\x1e'):\n    sys.stdout.write(repr(json.loads(line)) + '\\x1e')\n"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(Data(texts.joined(separator: "\u{1e}").utf8))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "python3 failed")
        return String(decoding: data, as: UTF8.self).split(separator: "\u{1e}", omittingEmptySubsequences: false).dropLast().map(String.init)
    }
}

import Foundation
import XCTest

@testable import InfernetCore

final class JSONValueTests: XCTestCase {
    func testParsingKeepsKeyOrderAndLiterals() throws {
        let value = try JSONValue(parsing: #"{"z":1,"a":[true,false,null],"m":{"y":"s","b":12345678901234567890123},"f":1.50}"#)
        XCTAssertEqual(value.objectValue?.keys, ["z", "a", "m", "f"])
        XCTAssertEqual(value["m"]?.objectValue?.keys, ["y", "b"])
        XCTAssertEqual(value.jsonText, #"{"z":1,"a":[true,false,null],"m":{"y":"s","b":12345678901234567890123},"f":1.50}"#)
    }

    func testEscapesRoundTrip() throws {
        let text = #"{"s":"a\"b\\c\nd\u00e9\ud83d\ude00\u0001"}"#
        let value = try JSONValue(parsing: text)
        XCTAssertEqual(value["s"]?.stringValue, "a\"b\\c\nd\u{e9}\u{1F600}\u{01}")
        XCTAssertEqual(try JSONValue(parsing: value.jsonText), value)
    }

    func testMalformedInputIsAnErrorWithOffset() {
        for bad in ["", "{", "[1,]", "{\"a\" 1}", "01", "1.", "tru", "\"\\x\"", "\"\\ud800\"", "[1] 2", "{\"a\":1,}", "\u{01}"] {
            XCTAssertThrowsError(try JSONValue(parsing: bad), "accepted \(bad)") { error in
                XCTAssertTrue("\(error)".contains("invalid JSON at byte"), "\(error)")
            }
        }
    }

    func testDeepNestingIsRefusedNotACrash() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        XCTAssertThrowsError(try JSONValue(parsing: deep))
    }

    func testARepeatedKeyKeepsItsFirstPlaceAndLastValue() throws {
        let small = try JSONValue(parsing: #"{"a":1,"b":2,"a":3}"#)
        XCTAssertEqual(small.jsonText, #"{"a":3,"b":2}"#)
        // Past 16 members repeats are found through a dictionary: the same rule.
        let keys = (0..<40).map { "k\($0)" }
        let text = "{" + (keys + ["k3", "k39", "k0"]).enumerated().map { #""\#($1)":\#($0)"# }.joined(separator: ",") + "}"
        let large = try JSONValue(parsing: text)
        XCTAssertEqual(large.objectValue?.keys, keys)
        XCTAssertEqual(large["k3"], 40)
        XCTAssertEqual(large["k39"], 41)
        XCTAssertEqual(large["k0"], 42)
        XCTAssertEqual(large["k1"], 1)
    }

    func testRandomBytesNeverCrash() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("{}[]\",:0123456789.eE+-tfnalsru\\ ".utf8)
        for _ in 0..<5_000 {
            let length = Int.random(in: 0..<40, using: &generator)
            let bytes = (0..<length).map { _ in alphabet.randomElement(using: &generator) ?? 0 }
            _ = try? JSONValue(parsing: bytes)
        }
    }
}

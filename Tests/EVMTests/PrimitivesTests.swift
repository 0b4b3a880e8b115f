import EVM
import Foundation
import XCTest

final class PrimitivesTests: XCTestCase {
    func testEIP55Vectors() throws {
        let vectors = [
            "0x52908400098527886E0F7030069857D2E4169EE7", "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
            "0xde709f2102306220921060314715629080e2fb77", "0x27b1fdb04752bbc536007a920d24acb045561c26",
            "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
            "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB", "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
        ]
        for vector in vectors {
            XCTAssertEqual(try Address(hex: vector).checksummed, vector)
            XCTAssertEqual(try Address(hex: vector.lowercased()).checksummed, vector)
        }
        XCTAssertThrowsError(try Address(hex: "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD")) { error in
            XCTAssertEqual(error as? AddressError, .badChecksum("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD"))
        }
        XCTAssertNoThrow(try Address(hex: "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD", checksum: false))
        XCTAssertThrowsError(try Address(hex: "0x1234"))
        XCTAssertThrowsError(try Address(hex: "0xzz" + String(repeating: "0", count: 38)))
    }

    func testHex() throws {
        XCTAssertEqual(try Hex.decode("0x"), Data())
        XCTAssertEqual(try Hex.decode("0xDEADbeef"), Data([0xDE, 0xAD, 0xBE, 0xEF]))
        XCTAssertEqual(try Hex.decode("00ff"), Data([0, 255]))
        XCTAssertThrowsError(try Hex.decode("0x123")) { XCTAssertEqual($0 as? HexError, .oddLength(3)) }
        XCTAssertThrowsError(try Hex.decode("0xgg"))
        XCTAssertThrowsError(try Hex.decode("0Xab0z")) { XCTAssertEqual($0 as? HexError, .invalidCharacter("z", offset: 3)) }
        XCTAssertThrowsError(try Hex.decode("x0")) { XCTAssertEqual($0 as? HexError, .invalidCharacter("x", offset: 0)) }
        // A Reader batch's size, every byte value, round trip.
        let large = Data((0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) })
        XCTAssertEqual(try Hex.decode(Hex.encode(large)), large)
        XCTAssertEqual(try Hex.decode(Hex.encode(large).uppercased().replacingOccurrences(of: "0X", with: "0x")), large)
        XCTAssertEqual(Data([0, 1, 0xab]).hexString, "0x0001ab")
    }

    func testQuantities() throws {
        XCTAssertEqual(try BigUInt(quantity: "0x0"), 0)
        XCTAssertEqual(try BigUInt(quantity: "0x1a"), 26)
        XCTAssertEqual(try UInt64(quantity: "0xffffffffffffffff"), UInt64.max)
        XCTAssertThrowsError(try UInt64(quantity: "0x10000000000000000"))
        XCTAssertThrowsError(try BigUInt(quantity: "0x"))
        XCTAssertThrowsError(try BigUInt(quantity: "12g"))
        XCTAssertEqual(BigUInt(255).quantityHex, "0xff")
        XCTAssertEqual(BigInt(-1).twosComplementBytes(count: 2), Data([0xff, 0xff]))
        XCTAssertEqual(BigInt(twosComplement: Data([0xff, 0x80])), -128)
    }

    func testContractAddress() throws {
        // The first contract deployed by Hardhat/Anvil's default account.
        let deployer = try Address(hex: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266")
        XCTAssertEqual(Address.contractAddress(sender: deployer, nonce: 0).checksummed, "0x5FbDB2315678afecb367f032d93F642f64180aa3")
    }
}

final class RLPTests: XCTestCase {
    func testExamples() throws {
        let dog = Data("dog".utf8), cat = Data("cat".utf8)
        let cases: [(RLP.Item, String)] = [
            (.bytes(dog), "83646f67"),
            (.list([.bytes(cat), .bytes(dog)]), "c88363617483646f67"),
            (.bytes(Data()), "80"),
            (.list([]), "c0"),
            (.uint(UInt64(0)), "80"),
            (.bytes(Data([0])), "00"),
            (.uint(UInt64(15)), "0f"),
            (.uint(UInt64(1024)), "820400"),
            (.list([.list([]), .list([.list([])]), .list([.list([]), .list([.list([])])])]), "c7c0c1c0c3c0c1c0"),
            (.bytes(Data("Lorem ipsum dolor sit amet, consectetur adipisicing elit".utf8)),
             "b8384c6f72656d20697073756d20646f6c6f722073697420616d65742c20636f6e7365637465747572206164697069736963696e6720656c6974"),
        ]
        for (item, expected) in cases {
            XCTAssertEqual(RLP.encode(item).bareHexString, expected)
            XCTAssertEqual(try RLP.decode(hex(expected)), item)
        }
    }

    func testLongList() throws {
        let item = RLP.Item.list((0..<100).map { _ in .bytes(Data(repeating: 7, count: 10)) })
        XCTAssertEqual(try RLP.decode(RLP.encode(item)), item)
    }

    func testRejectsNonCanonical() {
        XCTAssertThrowsError(try RLP.decode(hex("8100")))  // single byte < 0x80 wrapped
        XCTAssertThrowsError(try RLP.decode(hex("b80100")))  // long form for a short string
        XCTAssertThrowsError(try RLP.decode(hex("83646f")))  // truncated
        XCTAssertThrowsError(try RLP.decode(hex("83646f6767")))  // trailing
        XCTAssertThrowsError(try RLP.decode(hex("bfffffffffffffffff")))  // absurd length
        XCTAssertThrowsError(try RLP.decode(Data()))
        XCTAssertThrowsError(try RLP.decode(Data(repeating: 0xc1, count: 200) + Data([0x80])))  // too deep
    }
}

/// `RPCValue` and JSON text: each kind decodes to its own case, whatever order the decoder
/// tries them in, and `jsonText` (the JSON-RPC requests' writer) reads back as the same value.
final class RPCValueJSONTests: XCTestCase {
    func testJSONTextReadsBackAsTheSameValue() throws {
        let value: RPCValue = .object([
            "jsonrpc": "2.0", "id": .int(-42), "method": "eth_call", "zero": .int(0), "max": .int(.max), "min": .int(.min),
            "params": .array([
                .object(["to": .string("0x\(String(repeating: "ab", count: 20))"), "data": "0x", "nested": .array([.array([]), .object([:])])]),
                "latest", .bool(true), .bool(false), .null, .double(25.5), .double(-0.001), .double(1e300),
            ]),
            "escapes": "quote \" backslash \\ newline \n tab \t cr \r nul \u{0} bell \u{7} unit \u{1F} del \u{7F}",
            "unicode": "ünïcødé ✓ 𝄞 😀", "": "empty key",
        ])
        let text = try XCTUnwrap(value.jsonText)
        XCTAssertEqual(try JSONDecoder().decode(RPCValue.self, from: Data(text.utf8)), value, text)
        XCTAssertEqual(try RPCValue(parsing: text), value, text)
        XCTAssertFalse(text.contains("\n"), "a raw newline inside the text: \(text)")
        XCTAssertTrue(text.contains(#"\u0000"#) && text.contains(#"\u001f"#) && text.contains(#"\""#), text)
        XCTAssertEqual(RPCValue.array(["a", .int(1)]).jsonText, #"["a",1]"#)
        // JSON cannot carry these: no text rather than an invalid request.
        XCTAssertNil(RPCValue.array([.double(.infinity)]).jsonText)
        XCTAssertNil(RPCValue.object(["x": .double(.nan)]).jsonText)
    }

    func testEveryJSONKindDecodesToItsCase() throws {
        let text = #"{"s":"0x1a","t":true,"f":false,"i":-7,"big":9007199254740993,"d":1.5,"n":null,"a":["x",1,[]],"o":{"k":{}},"e":""}"#
        let expected: RPCValue = .object([
            "s": .string("0x1a"), "t": .bool(true), "f": .bool(false), "i": .int(-7), "big": .int(9_007_199_254_740_993),
            "d": .double(1.5), "n": .null, "a": .array([.string("x"), .int(1), .array([])]),
            "o": .object(["k": .object([:])]), "e": .string(""),
        ])
        XCTAssertEqual(try JSONDecoder().decode(RPCValue.self, from: Data(text.utf8)), expected)
        XCTAssertEqual(try RPCValue(parsing: text), expected)
        // Strings that look like other kinds stay strings.
        let stringsText = #"["true","1","null","[]"]"#
        let strings: RPCValue = .array([.string("true"), .string("1"), .string("null"), .string("[]")])
        XCTAssertEqual(try JSONDecoder().decode(RPCValue.self, from: Data(stringsText.utf8)), strings)
        XCTAssertEqual(try RPCValue(parsing: stringsText), strings)
    }

    /// The chain worker reads every JSON-RPC answer with `JSONParser` (not `JSONDecoder`):
    /// numbers, repeated keys, bytes it does not own, and hostile text.
    func testTheParserReadsAnswersAsTheDecoderDid() throws {
        XCTAssertEqual(try RPCValue(parsing: "[0, -0, 1e2, 1.0, -2.5E-1, 9223372036854775807, 9223372036854775808, -9223372036854775808]"),
                       .array([.int(0), .int(0), .double(100), .double(1), .double(-0.25), .int(.max),
                               .double(9_223_372_036_854_775_808), .int(.min)]))
        XCTAssertEqual(try RPCValue(parsing: #"{"id":1,"id":2}"#), .object(["id": .int(2)]))
        let answer = #" {"jsonrpc":"2.0","id":7,"result":"0x\#(String(repeating: "ab", count: 4096))"} "#
        let viaBuffer = try Array(answer.utf8).withUnsafeBytes { try RPCValue(parsing: $0) }
        XCTAssertEqual(viaBuffer, try JSONDecoder().decode(RPCValue.self, from: Data(answer.utf8)))
        XCTAssertEqual(viaBuffer["result"]?.stringValue?.utf8.count, 8194)
        for bad in ["", "{", #"{"id":1,}"#, "[1 2]", "0x1", "\"\\q\"", String(repeating: "[", count: 10_000)] {
            XCTAssertThrowsError(try RPCValue(parsing: bad), "accepted \(bad.prefix(20))") { error in
                XCTAssertTrue("\(error)".hasPrefix("invalid JSON at byte "), "\(error)")
            }
        }
    }
}

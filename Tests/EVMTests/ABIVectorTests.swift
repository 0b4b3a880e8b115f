import InfernetCore
import EVM
import Foundation
import XCTest

/// Examples from the Solidity ABI specification.
final class ABIVectorTests: XCTestCase {
    func testBaz() throws {
        let function = try ABIFunction("baz(uint32,bool)")
        XCTAssertEqual(function.selector.bareHexString, "cdcd77c0")
        let calldata = try function.encodeCall([.uint(UInt32(69)), .bool(true)])
        XCTAssertEqual(calldata.bareHexString, "cdcd77c0"
            + String(repeating: "0", count: 62) + "45" + String(repeating: "0", count: 63) + "1")
        XCTAssertEqual(try function.decodeCall(calldata), [.uint(69), .bool(true)])
    }

    func testSam() throws {
        let function = try ABIFunction("sam(bytes,bool,uint256[])")
        XCTAssertEqual(function.selector.bareHexString, "a5643bf2")
        let values: [ABIValue] = [.bytes(Data("dave".utf8)), .bool(true), .array([.uint(1), .uint(2), .uint(3)])]
        let encoded = try ABI.encode(values, as: function.inputs)
        XCTAssertEqual(encoded.bareHexString, "0000000000000000000000000000000000000000000000000000000000000060000000000000000000000000000000000000000000000000000000000000000100000000000000000000000000000000000000000000000000000000000000a0000000000000000000000000000000000000000000000000000000000000000464617665000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000003000000000000000000000000000000000000000000000000000000000000000100000000000000000000000000000000000000000000000000000000000000020000000000000000000000000000000000000000000000000000000000000003")
        XCTAssertEqual(try ABI.decode(function.inputs, from: encoded), values)
    }

    func testDynamicExampleF() throws {
        let function = try ABIFunction("f(uint256,uint32[],bytes10,bytes)")
        XCTAssertEqual(function.selector.bareHexString, "8be65246")
        let values: [ABIValue] = [.uint(0x123), .array([.uint(0x456), .uint(0x789)]), .bytes(Data("1234567890".utf8)),
                                  .bytes(Data("Hello, world!".utf8))]
        let expected = [
            "0000000000000000000000000000000000000000000000000000000000000123",
            "0000000000000000000000000000000000000000000000000000000000000080",
            "3132333435363738393000000000000000000000000000000000000000000000",
            "00000000000000000000000000000000000000000000000000000000000000e0",
            "0000000000000000000000000000000000000000000000000000000000000002",
            "0000000000000000000000000000000000000000000000000000000000000456",
            "0000000000000000000000000000000000000000000000000000000000000789",
            "000000000000000000000000000000000000000000000000000000000000000d",
            "48656c6c6f2c20776f726c642100000000000000000000000000000000000000",
        ].joined()
        XCTAssertEqual(try ABI.encode(values, as: function.inputs).bareHexString, expected)
        XCTAssertEqual(try ABI.decode(function.inputs, from: hex(expected)), values)
    }

    func testNestedDynamicExampleG() throws {
        let function = try ABIFunction("g(uint256[][],string[])")
        XCTAssertEqual(function.selector.bareHexString, "2289b18c")
        let values: [ABIValue] = [.array([.array([.uint(1), .uint(2)]), .array([.uint(3)])]),
                                  .array([.string("one"), .string("two"), .string("three")])]
        let expected = "000000000000000000000000000000000000000000000000000000000000004000000000000000000000000000000000000000000000000000000000000001400000000000000000000000000000000000000000000000000000000000000002000000000000000000000000000000000000000000000000000000000000004000000000000000000000000000000000000000000000000000000000000000a0000000000000000000000000000000000000000000000000000000000000000200000000000000000000000000000000000000000000000000000000000000010000000000000000000000000000000000000000000000000000000000000002000000000000000000000000000000000000000000000000000000000000000100000000000000000000000000000000000000000000000000000000000000030000000000000000000000000000000000000000000000000000000000000003000000000000000000000000000000000000000000000000000000000000006000000000000000000000000000000000000000000000000000000000000000a000000000000000000000000000000000000000000000000000000000000000e000000000000000000000000000000000000000000000000000000000000000036f6e650000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000374776f000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000057468726565000000000000000000000000000000000000000000000000000000"
        XCTAssertEqual(try ABI.encode(values, as: function.inputs).bareHexString, expected)
        XCTAssertEqual(try ABI.decode(function.inputs, from: hex(expected)), values)
    }

    func testSignedIntegers() throws {
        XCTAssertEqual(try ABI.encode(.int(-1), as: .int(bits: 8)).bareHexString, String(repeating: "f", count: 64))
        XCTAssertThrowsError(try ABI.encode(.int(128), as: .int(bits: 8)))
        XCTAssertThrowsError(try ABI.encode(.int(-129), as: .int(bits: 8)))
        XCTAssertEqual(try ABI.decode(.int(bits: 16), from: hex(String(repeating: "f", count: 60) + "ff80")), .int(-128))
        // A value outside int8 whose word is a valid int16 is rejected as int8.
        XCTAssertThrowsError(try ABI.decode(.int(bits: 8), from: hex(String(repeating: "0", count: 60) + "0080")))
    }

    func testTypeParsing() throws {
        XCTAssertEqual(try ABIType(parsing: "(uint,bytes32[2],(address,bool)[])[]").canonicalName,
                       "(uint256,bytes32[2],(address,bool)[])[]")
        for bad in ["uint7", "uint264", "bytes0", "bytes33", "(uint256", "uint256[", "foo", "uint256[0]", "int08", ""] {
            XCTAssertThrowsError(try ABIType(parsing: bad), bad)
        }
        XCTAssertEqual(try ABIType.parseList(""), [])
        XCTAssertEqual(try ABIType(parsing: "()"), .tuple([]))
    }

    func testStrictDecoding() {
        // Dirty high bits in a uint8, a bool of 2, an address with dirty upper bytes.
        XCTAssertThrowsError(try ABI.decode(.uint8, from: hex(String(repeating: "0", count: 60) + "0100")))
        XCTAssertThrowsError(try ABI.decode(.bool, from: hex(String(repeating: "0", count: 63) + "2")))
        XCTAssertThrowsError(try ABI.decode(.address, from: hex("01" + String(repeating: "0", count: 62))))
        // Truncated and out-of-range offsets.
        XCTAssertThrowsError(try ABI.decode(.uint256, from: Data(count: 31)))
        XCTAssertThrowsError(try ABI.decode(.bytes, from: hex(String(repeating: "0", count: 62) + "40")))
        XCTAssertThrowsError(try ABI.decode(.bytes, from: hex(String(repeating: "f", count: 64))))
        // Array length far larger than the data.
        let hugeArray = String(repeating: "0", count: 62) + "20" + String(repeating: "0", count: 56) + "7fffffff"
        XCTAssertThrowsError(try ABI.decode(.array(.uint256), from: hex(hugeArray)))
    }

    func testOverlappingTailsAreBounded() throws {
        // 2,000 offsets all pointing at one 16 KiB bytes value: naive decoding would materialise 32 MB.
        let count = 2000
        var words: [Data] = [try XCTUnwrap(BigUInt(32).bigEndianBytes()), try XCTUnwrap(BigUInt(count).bigEndianBytes())]
        let tail = 32 * count
        for _ in 0..<count { words.append(try XCTUnwrap(BigUInt(tail).bigEndianBytes())) }
        words.append(try XCTUnwrap(BigUInt(16384).bigEndianBytes()))
        words.append(Data(count: 16384))
        let data = words.reduce(Data(), +)
        XCTAssertThrowsError(try ABI.decode(.array(.bytes), from: data)) { error in
            XCTAssertEqual(error as? ABICodingError, .decodingBudgetExceeded)
        }
    }

    func testRevertReasons() throws {
        let message = try RevertReason.errorString.encode([.string("Not enough Ether provided.")])
        XCTAssertEqual(message.prefix(4).bareHexString, "08c379a0")
        XCTAssertEqual(RevertReason(data: message), .message("Not enough Ether provided."))
        let panic = try RevertReason.panicCode.encode([.uint(0x11)])
        XCTAssertEqual(panic.prefix(4).bareHexString, "4e487b71")
        XCTAssertEqual(RevertReason(data: panic), .panic(code: 0x11))
        XCTAssertTrue(RevertReason(data: panic).description.contains("overflow"))
        XCTAssertEqual(RevertReason(data: hex("0x1a00354f")), .custom(name: "SubscriptionNotFound", arguments: []))
        XCTAssertTrue(RevertReason(data: hex("0x1a00354f")).description.contains("no subscription"))
        XCTAssertEqual(RevertReason(data: Data()), .empty)
        XCTAssertEqual(RevertReason(data: hex("0xdeadbeef")), .unknown(hex("0xdeadbeef")))
        XCTAssertEqual(RevertReason(data: hex("0x08c379a0")), .unknown(hex("0x08c379a0")))
        let custom = try ABICustomError("InsufficientBalance(uint256,uint256)")
        XCTAssertEqual(RevertReason(data: try custom.encode([.uint(1), .uint(2)]), errors: [custom]),
                       .custom(name: "InsufficientBalance", arguments: [.uint(1), .uint(2)]))
    }

    func testEventDecoding() throws {
        let transfer = try ABIEvent(declaration: "Transfer(address indexed from, address indexed to, uint256 value)")
        XCTAssertEqual(transfer.topic.bareHexString, "ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef")
        let from = try Address(hex: "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")
        let to = try Address(hex: "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359")
        let topics = [transfer.topic, try ABIEvent.topic(for: .address(from), type: .address),
                      try ABIEvent.topic(for: .address(to), type: .address)]
        let values = try transfer.decodeLog(topics: topics, data: try ABI.encode(.uint(1000), as: .uint256))
        XCTAssertEqual(values, [.address(from), .address(to), .uint(1000)])
        XCTAssertThrowsError(try transfer.decodeLog(topics: Array(topics.prefix(2)), data: Data()))
        let named = try ABIEvent(declaration: "Named(string indexed name, bytes data)")
        let nameTopic = try ABIEvent.topic(for: .string("x"), type: .string)
        XCTAssertEqual(nameTopic, Keccak256.hash("x"))
        XCTAssertEqual(try named.decodeLog(topics: [named.topic, nameTopic], data: try ABI.encode(.bytes(Data([1])), as: .bytes)),
                       [.bytes(nameTopic), .bytes(Data([1]))])
    }
}

import TestSupport
import EVM
import Foundation

/// Random ABI types and values for differential and fuzz tests, with the JSON form oracle.py reads
/// (integers as decimal strings, bytes and addresses as 0x hex, tuples and arrays as lists).
struct RandomABI {
    var generator: SplitMix64

    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &generator) }
    mutating func chance(_ percent: Int) -> Bool { int(0...99) < percent }

    mutating func type(depth: Int = 0) -> ABIType {
        if depth < 3, chance(30) {
            switch int(0...2) {
            case 0: return .fixedArray(type(depth: depth + 1), int(1...3))
            case 1: return .array(type(depth: depth + 1))
            default: return .tuple((0..<int(1...4)).map { _ in type(depth: depth + 1) })
            }
        }
        switch int(0...7) {
        case 0: return .uint(bits: 8 * int(1...32))
        case 1: return .int(bits: 8 * int(1...32))
        case 2: return .address
        case 3: return .bool
        case 4: return .fixedBytes(int(1...32))
        case 5: return .bytes
        case 6: return .string
        default: return .uint256
        }
    }

    mutating func unsigned(bits: Int) -> BigUInt {
        switch int(0...4) {
        case 0: return 0
        case 1: return BigUInt.maxValue(bits: bits)
        case 2: return BigUInt(UInt64.random(in: 0...255, using: &generator)) & BigUInt.maxValue(bits: bits)
        default:
            let width = int(1...bits)
            return BigUInt(generator.bytes((width + 7) / 8)) & BigUInt.maxValue(bits: width)
        }
    }

    mutating func string() -> String {
        let alphabet: [String] = ["a", "Z", "0", " ", "'", "\"", "\\", "\n", "é", "ü", "日本", "🦄", "\u{0}", "ß", "€"]
        return (0..<int(0...40)).map { _ in alphabet[int(0...alphabet.count - 1)] }.joined()
    }

    mutating func value(_ type: ABIType) -> (ABIValue, Any) {
        switch type {
        case .uint(let bits):
            let number = unsigned(bits: bits)
            return (.uint(number), number.description)
        case .int(let bits):
            let magnitude = unsigned(bits: bits - 1)
            let number = chance(50) ? BigInt(magnitude) : -BigInt(magnitude) - (chance(50) ? 1 : 0)
            return (.int(number), number.description)
        case .address:
            let address = Address(generator.bytes(20)) ?? .zero
            return (.address(address), address.hex)
        case .bool:
            let flag = chance(50)
            return (.bool(flag), flag)
        case .fixedBytes(let size):
            let data = generator.bytes(size)
            return (.bytes(data), data.hexString)
        case .bytes:
            let data = generator.bytes(chance(20) ? int(33...300) : int(0...40))
            return (.bytes(data), data.hexString)
        case .string:
            let text = string()
            return (.string(text), text)
        case .fixedArray(let element, let count):
            let items = (0..<count).map { _ in value(element) }
            return (.array(items.map(\.0)), items.map(\.1))
        case .array(let element):
            let items = (0..<int(0...3)).map { _ in value(element) }
            return (.array(items.map(\.0)), items.map(\.1))
        case .tuple(let members):
            let items = members.map { value($0) }
            return (.tuple(items.map(\.0)), items.map(\.1))
        }
    }
}

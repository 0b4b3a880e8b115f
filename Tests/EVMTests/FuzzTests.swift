import InfernetCore
import EVM
import InfernetSDK
import Foundation
import TestSupport
import XCTest

/// Random and mutated bytes into every decoder: each must return or throw, never crash or hang.
final class FuzzTests: XCTestCase {
    /// Random bytes, biased towards small words so offsets and lengths are often in range.
    private func noise(_ random: inout RandomABI, maxCount: Int = 400) -> Data {
        let count = random.int(0...maxCount)
        var data = Data()
        while data.count < count {
            if random.chance(50) {
                var word = Data(count: 32)
                word[31] = UInt8(random.int(0...255))
                if random.chance(30) { word[30] = UInt8(random.int(0...3)) }
                data += word
            } else {
                data += random.generator.bytes(random.int(1...40))
            }
        }
        return data
    }

    private func mutate(_ data: Data, _ random: inout RandomABI) -> Data {
        var bytes = [UInt8](data)
        switch random.int(0...3) {
        case 0 where !bytes.isEmpty: bytes.removeLast(random.int(1...bytes.count))
        case 1 where !bytes.isEmpty:
            for _ in 0..<random.int(1...4) { bytes[random.int(0...bytes.count - 1)] = UInt8(random.int(0...255)) }
        case 2: bytes += random.generator.bytes(random.int(1...64))
        default:
            if bytes.count >= 32 {
                let position = random.int(0...(bytes.count / 32 - 1)) * 32
                bytes[position + 31] = UInt8(random.int(0...255))
                bytes[position + 30] = UInt8(random.int(0...2))
            }
        }
        return Data(bytes)
    }

    func testABIDecoder() throws {
        let seed = testSeed()
        var random = RandomABI(generator: SplitMix64(seed: seed))
        let deadline = Date().addingTimeInterval(20)
        for iteration in 0..<6000 {
            let types = (0..<random.int(1...3)).map { _ in random.type() }
            let input: Data
            if iteration % 2 == 0 {
                input = noise(&random)
            } else {
                let values = types.map { random.value($0).0 }
                input = mutate(try ABI.encode(values, as: types), &random)
            }
            if let values = try? ABI.decode(types, from: input) {
                // Whatever decodes must re-encode to something that decodes to the same values.
                XCTAssertEqual(try ABI.decode(types, from: ABI.encode(values, as: types)), values, "seed \(seed)")
            }
            XCTAssertLessThan(Date(), deadline, "seed \(seed): ABI decoding is too slow")
        }
    }

    func testCalldataEventsAndReverts() throws {
        let seed = testSeed()
        var random = RandomABI(generator: SplitMix64(seed: seed))
        let functions = [InfernetABI.Coordinator.deliverCompute, InfernetABI.Coordinator.deliverComputeDelegatee,
                         InfernetABI.Reader.readSubscriptionBatch, InfernetABI.Reader.readRedundancyCountBatch]
        for _ in 0..<3000 {
            let function = functions[random.int(0...functions.count - 1)]
            _ = try? function.decodeCall(function.selector + noise(&random))
            _ = try? function.decodeOutput(noise(&random))
            let selector = [RevertReason.errorString.selector, RevertReason.panicCode.selector, Data([0x1a, 0x00, 0x35, 0x4f])]
            _ = RevertReason(data: selector[random.int(0...2)] + noise(&random)).description
            let topics = (0..<random.int(0...4)).map { _ in random.generator.bytes(random.chance(90) ? 32 : 31) }
            _ = try? InfernetABI.Coordinator.proofVerified.decodeLog(
                topics: [InfernetABI.Coordinator.proofVerified.topic] + topics, data: noise(&random))
        }
    }

    func testRLPAndTransactions() throws {
        let seed = testSeed()
        var random = RandomABI(generator: SplitMix64(seed: seed))
        let key = try PrivateKey(Keccak256.hash("fuzz"))
        let valid = try [
            Transaction.legacy(LegacyTransaction(nonce: 1, gasPrice: 5, gasLimit: 21000, to: .zero, value: 7, chainID: 5)),
            Transaction.eip1559(EIP1559Transaction(chainID: 1, nonce: 2, maxPriorityFeePerGas: 1, maxFeePerGas: 9, gasLimit: 50000,
                                                   to: nil, data: Data([1, 2]),
                                                   accessList: [AccessListEntry(address: .zero, storageKeys: [Data(count: 32)])])),
        ].map { try $0.signed(with: key).raw }
        for iteration in 0..<6000 {
            let input = iteration % 2 == 0 ? noise(&random, maxCount: 200) : mutate(valid[iteration % 4 / 2], &random)
            if let item = try? RLP.decode(input) { XCTAssertEqual(RLP.encode(item), input, "seed \(seed): RLP is canonical") }
            if let tx = try? SignedTransaction(raw: input) { _ = try? tx.sender() }
            let prefixed = Data([UInt8(random.int(0xc0...0xff))]) + noise(&random, maxCount: 100)
            _ = try? RLP.decode(prefixed)
            _ = try? SignedTransaction(raw: Data([0x02]) + prefixed)
        }
    }

    func testTextParsers() {
        let seed = testSeed()
        var random = RandomABI(generator: SplitMix64(seed: seed))
        let alphabet = Array("uintbytesaddressboolstring()[],0123456789 x")
        for _ in 0..<5000 {
            let text = String((0..<random.int(0...30)).map { _ in alphabet[random.int(0...alphabet.count - 1)] })
            if let type = try? ABIType(parsing: text) { XCTAssertEqual(try? ABIType(parsing: type.canonicalName), type) }
            _ = try? ABIFunction(text)
            _ = try? ABIEvent(declaration: text)
            _ = try? Hex.decode(text)
            _ = try? Address(hex: text)
            _ = try? Signature(bytes: random.generator.bytes(random.chance(80) ? 65 : random.int(0...70)))
            _ = try? PublicKey(random.generator.bytes([33, 64, 65][random.int(0...2)]))
            _ = try? TypedData(json: Data(text.utf8))
            _ = try? BigUInt(quantity: text)
        }
        // Deeply nested type strings are refused rather than overflowing the stack.
        XCTAssertThrowsError(try ABIType(parsing: String(repeating: "(", count: 10000) + "uint256" + String(repeating: ")", count: 10000)))
        XCTAssertThrowsError(try ABIType(parsing: "uint256" + String(repeating: "[]", count: 10000)))
    }

    func testTypedDataJSON() throws {
        let seed = testSeed()
        var random = RandomABI(generator: SplitMix64(seed: seed))
        let valid = Data(EIP712Tests.mailJSON.utf8)
        for _ in 0..<2000 {
            var bytes = [UInt8](valid)
            for _ in 0..<random.int(1...3) { bytes[random.int(0...bytes.count - 1)] = UInt8(random.int(32...126)) }
            if let typedData = try? TypedData(json: Data(bytes)) { _ = try? typedData.signingHash() }
        }
        // A self-referencing struct type must not recurse forever.
        let cyclic = #"{"types":{"EIP712Domain":[],"A":[{"name":"a","type":"A[]"}]},"primaryType":"A","domain":{},"message":{"a":[{"a":[{"a":[]}]}]}}"#
        XCTAssertNoThrow(try TypedData(json: Data(cyclic.utf8)).signingHash())
    }
}

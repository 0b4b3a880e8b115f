import EVM
import InfernetSDK
import InfernetCore
import Foundation
import TestSupport
import XCTest

/// Swift against the Python reference libraries (eth-abi, eth-account, eth-utils). Each test
/// generates many seeded random cases, runs oracle.py once, and compares in both directions.
/// Replay a failure with `EVM_TEST_SEED=<seed>`.
final class DifferentialTests: XCTestCase {
    private func check(_ mode: String, seed: UInt64, cases: [[String: Any]], file: StaticString = #filePath,
                       line: UInt = #line) throws -> [[String: Any]] {
        let results = try PythonOracle.run(mode, cases: cases)
        for (index, result) in results.enumerated() where result["ok"] as? Bool != true {
            XCTFail("[\(mode)] seed \(seed) case \(index): \(result["error"] ?? "?")\ncase: \(cases[index])", file: file, line: line)
            break
        }
        return results
    }

    func testABIEncodingBothDirections() throws {
        let seed = testSeed()
        var random = RandomABI(generator: SplitMix64(seed: seed))
        var cases: [[String: Any]] = []
        var expected: [([ABIType], [ABIValue])] = []
        for _ in 0..<400 {
            let types = (0..<random.int(1...4)).map { _ in random.type() }
            let pairs = types.map { random.value($0) }
            let values = pairs.map(\.0)
            let encoded = try ABI.encode(values, as: types)
            XCTAssertEqual(try ABI.decode(types, from: encoded), values, "seed \(seed)")
            cases.append(["types": types.map(\.canonicalName), "values": pairs.map(\.1), "swift": encoded.hexString])
            expected.append((types, values))
        }
        let results = try check("abi", seed: seed, cases: cases)
        for (index, result) in results.enumerated() {
            guard let pythonHex = result["python"] as? String else { continue }
            let (types, values) = expected[index]
            XCTAssertEqual(try ABI.decode(types, from: hex(pythonHex)), values, "seed \(seed) case \(index): Swift decoding of eth-abi output")
        }
    }

    func testTransactionsSignedInSwiftMatchEthAccount() throws {
        let seed = testSeed()
        var random = RandomABI(generator: SplitMix64(seed: seed))
        var cases: [[String: Any]] = []
        for index in 0..<150 {
            let key = try PrivateKey(Keccak256.hash(random.generator.bytes(32)))
            let to: Address? = random.chance(10) ? nil : Address(random.generator.bytes(20))
            let nonce = UInt64(random.int(0...1_000_000))
            let gasLimit = UInt64(random.int(21000...10_000_000))
            let value = random.unsigned(bits: 96)
            let data = random.generator.bytes(random.int(0...100))
            var fields: [String: Any] = ["nonce": nonce, "gas": gasLimit, "value": value.description, "data": data.hexString]
            if let to { fields["to"] = to.hex }
            let tx: Transaction
            if index % 2 == 0 {
                let chainID = UInt64(random.int(1...100_000))
                let gasPrice = random.unsigned(bits: 64)
                tx = .legacy(LegacyTransaction(nonce: nonce, gasPrice: gasPrice, gasLimit: gasLimit, to: to, value: value,
                                               data: data, chainID: chainID))
                fields["gasPrice"] = gasPrice.description
                fields["chainId"] = chainID
            } else {
                let chainID = UInt64(random.int(1...100_000))
                let tip = random.unsigned(bits: 40), maxFee = random.unsigned(bits: 48)
                let accessList = (0..<random.int(0...2)).map { _ in
                    AccessListEntry(address: Address(random.generator.bytes(20)) ?? .zero,
                                    storageKeys: (0..<random.int(0...2)).map { _ in random.generator.bytes(32) })
                }
                tx = .eip1559(EIP1559Transaction(chainID: chainID, nonce: nonce, maxPriorityFeePerGas: tip, maxFeePerGas: maxFee,
                                                 gasLimit: gasLimit, to: to, value: value, data: data, accessList: accessList))
                fields["type"] = 2
                fields["chainId"] = chainID
                fields["maxPriorityFeePerGas"] = tip.description
                fields["maxFeePerGas"] = maxFee.description
                fields["accessList"] = accessList.map { ["address": $0.address.hex, "storageKeys": $0.storageKeys.map(\.hexString)] }
            }
            let signed = try tx.signed(with: key)
            XCTAssertEqual(try SignedTransaction(raw: signed.raw), signed, "seed \(seed)")
            cases.append(["key": key.rawValue.hexString, "tx": fields, "swift": signed.raw.hexString,
                          "sender": key.address.hex, "hash": signed.hash.hexString])
        }
        let results = try check("tx", seed: seed, cases: cases)
        for (index, result) in results.enumerated() {
            XCTAssertEqual(result["hash"] as? String, cases[index]["hash"] as? String, "seed \(seed) case \(index): hash")
            // The reverse direction: Swift decodes eth-account's raw transaction and recovers its sender.
            let decoded = try SignedTransaction(raw: hex(result["python"] as? String ?? ""))
            XCTAssertEqual(try decoded.sender().hex, cases[index]["sender"] as? String, "seed \(seed) case \(index): sender")
        }
    }

    func testTypedDataSignedInSwiftMatchesEthAccount() throws {
        let seed = testSeed()
        var random = RandomABI(generator: SplitMix64(seed: seed))
        var cases: [[String: Any]] = []
        for index in 0..<80 {
            let key = try PrivateKey(Keccak256.hash(random.generator.bytes(32)))
            let json: [String: Any]
            if index % 2 == 0 {
                json = delegateSubscriptionJSON(&random)
            } else {
                json = genericTypedDataJSON(&random)
            }
            let typedData = try TypedData(json: JSONSerialization.data(withJSONObject: json))
            let digest = try typedData.signingHash()
            let signature = try key.sign(hash: digest)
            if index % 2 == 0 {
                // The SDK helper must agree with the generic encoder.
                let message = json["message"] as? [String: Any] ?? [:]
                let sub = try subscription(fromJSON: message["sub"] as? [String: Any] ?? [:])
                let domain = json["domain"] as? [String: Any] ?? [:]
                XCTAssertEqual(DelegateSubscription.signingHash(
                    nonce: UInt32(message["nonce"] as? Int ?? -1), expiry: UInt32(message["expiry"] as? Int ?? -1),
                    subscription: sub, chainID: UInt64(domain["chainId"] as? Int ?? -1),
                    coordinator: try Address(hex: domain["verifyingContract"] as? String ?? "")), digest, "seed \(seed)")
            }
            cases.append(["typedData": json, "key": key.rawValue.hexString, "hash": digest.hexString,
                          "signature": signature.bytes.hexString])
        }
        let results = try check("typed", seed: seed, cases: cases)
        for (index, result) in results.enumerated() {
            // The reverse direction: Swift recovers the signer of eth-account's signature.
            let typedData = try TypedData(json: JSONSerialization.data(withJSONObject: cases[index]["typedData"] ?? [:]))
            let signature = try Signature(bytes: hex(result["signature"] as? String ?? ""))
            let key = try PrivateKey(hex: cases[index]["key"] as? String ?? "")
            XCTAssertEqual(try typedData.recoverSigner(signature), key.address, "seed \(seed) case \(index)")
        }
    }

    func testKeysMessagesHashesAndChecksums() throws {
        let seed = testSeed()
        var random = RandomABI(generator: SplitMix64(seed: seed))
        var keyCases: [[String: Any]] = [], personalCases: [[String: Any]] = [], hashCases: [[String: Any]] = []
        for _ in 0..<100 {
            let key = try PrivateKey(Keccak256.hash(random.generator.bytes(32)))
            keyCases.append(["key": key.rawValue.hexString, "address": key.address.checksummed])
            let message = random.generator.bytes(random.int(0...200))
            personalCases.append(["key": key.rawValue.hexString, "message": message.hexString,
                                  "signature": try key.signPersonalMessage(message).bytes.hexString, "address": key.address.hex])
            let data = random.generator.bytes(random.int(0...700))
            let address = Address(random.generator.bytes(20)) ?? .zero
            hashCases.append(["data": data.hexString, "hash": Keccak256.hash(data).hexString, "address": address.hex,
                              "checksummed": address.checksummed])
        }
        _ = try check("key", seed: seed, cases: keyCases)
        _ = try check("personal", seed: seed, cases: personalCases)
        _ = try check("keccak", seed: seed, cases: hashCases)
    }

    // MARK: Typed-data generators

    private func jsonInt(_ value: BigUInt) -> Any {
        value < BigUInt(1) << 53 ? Int(value) : value.quantityHex
    }

    private func delegateSubscriptionJSON(_ random: inout RandomABI) -> [String: Any] {
        let sub: [String: Any] = [
            "owner": (Address(random.generator.bytes(20)) ?? .zero).checksummed,
            "activeAt": random.int(0...Int(UInt32.max)), "period": random.int(0...86400),
            "frequency": random.int(0...1000), "redundancy": random.int(0...Int(UInt16.max)),
            "containerId": random.generator.bytes(32).hexString, "lazy": random.chance(50),
            "verifier": (Address(random.generator.bytes(20)) ?? .zero).checksummed,
            "paymentAmount": jsonInt(random.unsigned(bits: 256)),
            "paymentToken": (Address(random.generator.bytes(20)) ?? .zero).checksummed,
            "wallet": (Address(random.generator.bytes(20)) ?? .zero).checksummed,
        ]
        return [
            "types": [
                "EIP712Domain": [["name": "name", "type": "string"], ["name": "version", "type": "string"],
                                 ["name": "chainId", "type": "uint256"], ["name": "verifyingContract", "type": "address"]],
                "Subscription": DelegateSubscription.subscriptionFields.map { ["name": $0.name, "type": $0.type] },
                "DelegateSubscription": DelegateSubscription.delegateFields.map { ["name": $0.name, "type": $0.type] },
            ],
            "primaryType": "DelegateSubscription",
            "domain": ["name": "InfernetCoordinator", "version": "1", "chainId": random.int(1...1_000_000),
                       "verifyingContract": (Address(random.generator.bytes(20)) ?? .zero).checksummed],
            "message": ["nonce": random.int(0...Int(UInt32.max)), "expiry": random.int(0...Int(UInt32.max)), "sub": sub],
        ]
    }

    private func subscription(fromJSON json: [String: Any]) throws -> Subscription {
        func address(_ key: String) throws -> Address { try Address(hex: json[key] as? String ?? "") }
        let amount: BigUInt
        if let small = json["paymentAmount"] as? Int { amount = BigUInt(small) } else {
            amount = try BigUInt(quantity: json["paymentAmount"] as? String ?? "")
        }
        return Subscription(
            owner: try address("owner"), activeAt: UInt32(json["activeAt"] as? Int ?? 0), period: UInt32(json["period"] as? Int ?? 0),
            frequency: UInt32(json["frequency"] as? Int ?? 0), redundancy: UInt16(json["redundancy"] as? Int ?? 0),
            containerID: hex(json["containerId"] as? String ?? ""), lazy: json["lazy"] as? Bool ?? false,
            verifier: try address("verifier"), paymentAmount: amount, paymentToken: try address("paymentToken"),
            wallet: try address("wallet"))
    }

    /// A random struct type with atomic fields, arrays of atomics and a nested struct array.
    private func genericTypedDataJSON(_ random: inout RandomABI) -> [String: Any] {
        let atomicTypes = ["uint256", "uint8", "int64", "int256", "bool", "address", "bytes32", "bytes4", "bytes", "string"]
        func atomicValue(_ type: String) -> Any {
            switch type {
            case "uint256": return jsonInt(random.unsigned(bits: 256))
            case "uint8": return random.int(0...255)
            case "int64": return random.int(-1_000_000_000...1_000_000_000)
            case "int256": return random.int(Int(Int32.min)...Int(Int32.max))
            case "bool": return random.chance(50)
            case "address": return (Address(random.generator.bytes(20)) ?? .zero).checksummed
            case "bytes32": return random.generator.bytes(32).hexString
            case "bytes4": return random.generator.bytes(4).hexString
            case "bytes": return random.generator.bytes(random.int(0...70)).hexString
            default: return random.string()
            }
        }
        let itemTypes = (0..<random.int(1...3)).map { _ in atomicTypes[random.int(0...atomicTypes.count - 1)] }
        let itemFields = itemTypes.enumerated().map { ["name": "f\($0.offset)", "type": $0.element] }
        var topFields: [[String: String]] = [["name": "items", "type": "Item[]"]]
        var message: [String: Any] = [:]
        var items: [[String: Any]] = []
        for _ in 0..<random.int(0...3) {
            var item: [String: Any] = [:]
            for (offset, type) in itemTypes.enumerated() { item["f\(offset)"] = atomicValue(type) }
            items.append(item)
        }
        message["items"] = items
        for index in 0..<random.int(1...4) {
            let type = atomicTypes[random.int(0...atomicTypes.count - 1)]
            if random.chance(25) {
                topFields.append(["name": "a\(index)", "type": type + "[]"])
                message["a\(index)"] = (0..<random.int(0...3)).map { _ in atomicValue(type) }
            } else {
                topFields.append(["name": "a\(index)", "type": type])
                message["a\(index)"] = atomicValue(type)
            }
        }
        var domain: [String: Any] = ["name": random.string(), "chainId": random.int(1...1000)]
        var domainFields: [[String: String]] = [["name": "name", "type": "string"], ["name": "chainId", "type": "uint256"]]
        if random.chance(50) {
            domain["verifyingContract"] = (Address(random.generator.bytes(20)) ?? .zero).checksummed
            domainFields.append(["name": "verifyingContract", "type": "address"])
        }
        return ["types": ["EIP712Domain": domainFields, "Top": topFields, "Item": itemFields],
                "primaryType": "Top", "domain": domain, "message": message]
    }
}

/// The on-chain output serialisation of JSON outputs against Python's `str(json.loads(text))`.
final class OutputSerialisationDifferentialTests: XCTestCase {
    func testPythonReprOfRandomJSONOutputs() throws {
        let seed = testSeed()
        var random = RandomABI(generator: SplitMix64(seed: seed))
        func value(depth: Int) -> String {
            switch random.int(0...(depth < 3 ? 7 : 4)) {
            case 0: return "null"
            case 1: return random.chance(50) ? "true" : "false"
            case 2: return ["0", "-7", "123456789012345678901234567890", "1.5", "-0.25", "1e20", "2.0", "1E-7", "0.1"][random.int(0...8)]
            case 3, 4:
                let text = random.string()
                return String(decoding: (try? JSONSerialization.data(withJSONObject: [text])) ?? Data("[\"\"]".utf8), as: UTF8.self)
                    .dropFirst().dropLast().description
            case 5: return "[" + (0..<random.int(0...3)).map { _ in value(depth: depth + 1) }.joined(separator: ", ") + "]"
            default:
                let keys = (0..<random.int(0...4)).map { "\"k\($0)\(["", "'", "é", "\\\"", " x"][random.int(0...4)])\"" }
                return "{" + keys.map { "\($0): \(value(depth: depth + 1))" }.joined(separator: ", ") + "}"
            }
        }
        var cases: [[String: Any]] = []
        for _ in 0..<300 {
            let text = "{\"output\": \(value(depth: 1)), \"code\": \"200\"}"
            let json = try JSONValue(parsing: text)
            let output = try OnchainOutput(output: json)
            XCTAssertEqual(output.input, Data())
            cases.append(["json": text, "repr": json.pythonRepr, "output": output.output.hexString])
        }
        let results = try PythonOracle.run("repr", cases: cases)
        for (index, result) in results.enumerated() where result["ok"] as? Bool != true {
            XCTFail("[repr] seed \(seed) case \(index): \(result["error"] ?? "?")\ncase: \(cases[index])")
            break
        }
    }

    func testRawProcessedFormFromJSON() throws {
        let json = try JSONValue(parsing: #"{"raw_input": "0a", "processed_input": null, "raw_output": "0b0c", "processed_output": "", "proof": "ff00"}"#)
        let output = try OnchainOutput(output: json)
        XCTAssertEqual(try ABI.decode([.bytes, .bytes], from: output.input), [.bytes(Data([0x0a])), .bytes(Data())])
        XCTAssertEqual(try ABI.decode([.bytes, .bytes], from: output.output), [.bytes(Data([0x0b, 0x0c])), .bytes(Data())])
        XCTAssertEqual(output.proof, Data([0xff, 0x00]))
    }
}

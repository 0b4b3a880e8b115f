import InfernetCore
import EVM
import InfernetSDK
import Foundation
import XCTest

/// The `Mail` example from EIP-712 (its reference implementation's test values).
final class EIP712Tests: XCTestCase {
    static let mailJSON = """
    {"types": {"EIP712Domain": [{"name": "name", "type": "string"}, {"name": "version", "type": "string"},
                                {"name": "chainId", "type": "uint256"}, {"name": "verifyingContract", "type": "address"}],
               "Person": [{"name": "name", "type": "string"}, {"name": "wallet", "type": "address"}],
               "Mail": [{"name": "from", "type": "Person"}, {"name": "to", "type": "Person"}, {"name": "contents", "type": "string"}]},
     "primaryType": "Mail",
     "domain": {"name": "Ether Mail", "version": "1", "chainId": 1, "verifyingContract": "0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC"},
     "message": {"from": {"name": "Cow", "wallet": "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"},
                 "to": {"name": "Bob", "wallet": "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB"}, "contents": "Hello, Bob!"}}
    """

    func testMailExample() throws {
        let typedData = try TypedData(json: Data(Self.mailJSON.utf8))
        XCTAssertEqual(try typedData.encodeType("Mail"), "Mail(Person from,Person to,string contents)Person(string name,address wallet)")
        XCTAssertEqual(try typedData.typeHash("Mail").bareHexString, "a0cedeb2dc280ba39b857546d74f5549c3a1d7bdc2dd96bf881f76108e23dac2")
        XCTAssertEqual(try typedData.domainSeparator().bareHexString, "f2cee375fa42b42143804025fc449deafd50cc031ca257e0b194a650a912090f")
        XCTAssertEqual(try typedData.hashStruct("Mail", typedData.message).bareHexString,
                       "c52c0ee5d84264471806290a3f2c4cecfc5490626bf912d01f240d7a274b371e")
        let digest = try typedData.signingHash()
        XCTAssertEqual(digest.bareHexString, "be609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2")
        let key = try PrivateKey(Keccak256.hash("cow"))
        XCTAssertEqual(key.address.checksummed, "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826")
        let signature = try key.sign(hash: digest)
        XCTAssertEqual(signature.v, 28)
        XCTAssertEqual(signature.r.bareHexString, "4355c47d63924e8a72e509b65029052eb6c299d53a04e167c5775fd466751c9d")
        XCTAssertEqual(signature.s.bareHexString, "07299936d304c153f6443dfa05f40ff007d72911b6f72307f996231605b91562")
        XCTAssertTrue(signature.isValid(hash: digest, signer: key.address))
    }

    func testDelegateSubscriptionSignature() throws {
        let key = try PrivateKey(Keccak256.hash("consumer signer"))
        let coordinator = try Address(hex: "0x5FbDB2315678afecb367f032d93F642f64180aa3")
        let sub = sampleSubscription()
        let signature = try DelegateSubscription.sign(nonce: 1, expiry: 2_000_000_000, subscription: sub, chainID: 31337,
                                                      coordinator: coordinator, key: key)
        XCTAssertEqual(try DelegateSubscription.recoverSigner(nonce: 1, expiry: 2_000_000_000, subscription: sub, chainID: 31337,
                                                              coordinator: coordinator, signature: signature), key.address)
        XCTAssertNotEqual(try DelegateSubscription.recoverSigner(nonce: 2, expiry: 2_000_000_000, subscription: sub, chainID: 31337,
                                                                 coordinator: coordinator, signature: signature), key.address)
    }

    func testErrors() throws {
        var typedData = try TypedData(json: Data(Self.mailJSON.utf8))
        typedData.message["contents"] = nil
        XCTAssertThrowsError(try typedData.signingHash()) {
            XCTAssertEqual($0 as? EIP712Error, .missingField(type: "Mail", field: "contents"))
        }
        typedData.primaryType = "Nope"
        XCTAssertThrowsError(try typedData.signingHash())
        XCTAssertThrowsError(try TypedData(json: Data("{}".utf8)))
        XCTAssertThrowsError(try TypedData(json: Data("not json".utf8)))
    }
}

final class OnchainOutputTests: XCTestCase {
    struct Fake: OnchainOutputSource {
        var fields: [String: OnchainField]
        var pythonRepr: String
        func onchainField(_ key: String) -> OnchainField { fields[key] ?? .missing }
    }

    func testPlainOutput() throws {
        let output = try OnchainOutput(serializing: Fake(fields: [:], pythonRepr: "{'a': 1}"))
        XCTAssertEqual(output.input, Data())
        XCTAssertEqual(output.proof, Data())
        XCTAssertEqual(output.output.bareHexString,
                       "000000000000000000000000000000000000000000000000000000000000002000000000000000000000000000000000000000000000000000000000000000087b2761273a20317d000000000000000000000000000000000000000000000000")
    }

    func testRawProcessedForm() throws {
        let fake = Fake(fields: ["raw_input": .string("0102"), "processed_input": .null, "raw_output": .string("0x03"),
                                 "processed_output": .string(""), "proof": .string("ff")], pythonRepr: "unused")
        let output = try OnchainOutput(serializing: fake)
        XCTAssertEqual(try ABI.decode([.bytes, .bytes], from: output.input), [.bytes(Data([1, 2])), .bytes(Data())])
        XCTAssertEqual(try ABI.decode([.bytes, .bytes], from: output.output), [.bytes(Data([3])), .bytes(Data())])
        XCTAssertEqual(output.proof, Data([0xff]))
        var bad = fake
        bad.fields["proof"] = .string("xyz")
        XCTAssertThrowsError(try OnchainOutput(serializing: bad))
        bad.fields["proof"] = .other
        XCTAssertThrowsError(try OnchainOutput(serializing: bad))
    }
}

final class TypedDataSigningTests: XCTestCase {
    func testSignAndRecover() throws {
        let typedData = try TypedData(json: Data(EIP712Tests.mailJSON.utf8))
        let key = try PrivateKey(Keccak256.hash("cow"))
        let signature = try typedData.sign(with: key)
        XCTAssertEqual(try typedData.recoverSigner(signature), key.address)
    }
}

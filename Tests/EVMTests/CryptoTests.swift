import EVM
import Foundation
import TestSupport
import XCTest

final class CryptoTests: XCTestCase {
    func testKnownKeys() throws {
        XCTAssertEqual(try PrivateKey(hex: "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318").address.checksummed,
                       "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23")
        XCTAssertEqual(try PrivateKey(hex: String(repeating: "0", count: 63) + "1").address.checksummed,
                       "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf")
        XCTAssertEqual(try PrivateKey(hex: String(repeating: "0", count: 63) + "1").address.rawValue.startIndex, 0)
        XCTAssertThrowsError(try PrivateKey(Data(count: 32)))
        XCTAssertThrowsError(try PrivateKey(hex: "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141"))
        XCTAssertThrowsError(try PrivateKey(Data(count: 31)))
    }

    func testSignAndRecover() throws {
        var generator = SplitMix64(seed: 42)
        for _ in 0..<50 {
            let key = PrivateKey.random()
            let hash = generator.bytes(32)
            let signature = try key.sign(hash: hash)
            XCTAssertTrue(signature.isLowS)
            XCTAssertEqual(try signature.recoverAddress(hash: hash), key.address)
            XCTAssertEqual(try Signature(bytes: signature.bytes), signature)
            XCTAssertFalse(signature.isValid(hash: generator.bytes(32), signer: key.address))
        }
    }

    func testPublicKeyForms() throws {
        let key = try PrivateKey(hex: "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318")
        let publicKey = key.publicKey
        XCTAssertEqual(try PublicKey(publicKey.compressed), publicKey)
        XCTAssertEqual(try PublicKey(publicKey.uncompressed), publicKey)
        XCTAssertEqual(try PublicKey(Data(publicKey.uncompressed.dropFirst())), publicKey)
        XCTAssertThrowsError(try PublicKey(Data(count: 33)))
    }

    func testPersonalSign() throws {
        // eth-account documentation example: sign_message(encode_defunct(text="I♥SF"), key).
        let key = try PrivateKey(hex: "0xb25c7db31feed9122727bf0939dc769a96564b2de4c4726d035b36ecf1e5b364")
        let message = Data("I♥SF".utf8)
        XCTAssertEqual(PersonalMessage.hash(message).hexString,
                       "0x1476abb745d423bf09273f1afd887d951181d25adc66c4834a70491911b7f750")
        let signature = try key.signPersonalMessage(message)
        XCTAssertEqual(signature.bytes.hexString,
                       "0xe6ca9bba58c88611fad66a6ce8f996908195593807c4b38bd528d2cff09d4eb33e5bfbbf4d3e39b1a2fd816a7680c19ebebaf3a141b239934ad43cb33fcec8ce1c")
    }

    func testRejectsBadSignatures() {
        XCTAssertThrowsError(try Signature(bytes: Data(count: 64)))
        XCTAssertThrowsError(try Signature(r: Data(count: 32), s: Data(repeating: 1, count: 32), v: 27))
        XCTAssertThrowsError(try Signature(r: Data(repeating: 1, count: 32), s: Data(repeating: 1, count: 32), v: 29))
        XCTAssertThrowsError(try Signature(r: Data(repeating: 0xff, count: 32), s: Data(repeating: 1, count: 32), v: 27))
    }
}

final class TransactionTests: XCTestCase {
    /// The example in EIP-155.
    func testEIP155Example() throws {
        let key = try PrivateKey(hex: "0x4646464646464646464646464646464646464646464646464646464646464646")
        let tx = Transaction.legacy(LegacyTransaction(
            nonce: 9, gasPrice: 20_000_000_000, gasLimit: 21000,
            to: try Address(hex: "0x3535353535353535353535353535353535353535"),
            value: BigUInt(10).power(18), data: Data(), chainID: 1))
        XCTAssertEqual(tx.signingHash.bareHexString, "daf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53")
        let signed = try tx.signed(with: key)
        XCTAssertEqual(signed.raw.bareHexString,
                       "f86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a76400008025a028ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276a067cbe9d8997f761aecb703304b3800ccf555c9f3dc64214b297fb1966a3b6d83")
        XCTAssertEqual(try signed.sender(), key.address)
        let decoded = try SignedTransaction(raw: signed.raw)
        XCTAssertEqual(decoded, signed)
        XCTAssertEqual(decoded.hash, signed.hash)
    }

    func testEIP1559RoundTrip() throws {
        let key = try PrivateKey(hex: "0x4646464646464646464646464646464646464646464646464646464646464646")
        let tx = Transaction.eip1559(EIP1559Transaction(
            chainID: 31337, nonce: 3, maxPriorityFeePerGas: 1_000_000_000, maxFeePerGas: 30_000_000_000, gasLimit: 100_000,
            to: try Address(hex: "0x3535353535353535353535353535353535353535"), value: 1, data: Data([1, 2, 3]),
            accessList: [AccessListEntry(address: .zero, storageKeys: [Data(count: 32)])]))
        let signed = try tx.signed(with: key)
        XCTAssertEqual(signed.raw.first, 0x02)
        let decoded = try SignedTransaction(raw: signed.raw)
        XCTAssertEqual(decoded, signed)
        XCTAssertEqual(try decoded.sender(), key.address)
        var contractCreation = tx
        if case .eip1559(var inner) = contractCreation { inner.to = nil; contractCreation = .eip1559(inner) }
        XCTAssertEqual(try SignedTransaction(raw: contractCreation.signed(with: key).raw).transaction, contractCreation)
    }

    func testRejectsMalformed() {
        XCTAssertThrowsError(try SignedTransaction(raw: Data()))
        XCTAssertThrowsError(try SignedTransaction(raw: Data([0x01, 0xc0])))
        XCTAssertThrowsError(try SignedTransaction(raw: Data([0x02, 0xc0])))
        XCTAssertThrowsError(try SignedTransaction(raw: Data([0xc0])))
    }
}

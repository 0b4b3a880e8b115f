import EVM
import InfernetSDK
import Foundation
import Gateway
import InfernetCore
import XCTest

/// Delegated requests are read into typed values; every wrong field is a 400 naming it.
final class DelegatedParsingTests: XCTestCase {
    static let goodFields: [(String, String)] = [
        ("owner", #""0x00000000000000000000000000000000000000c0""#), ("active_at", "0"), ("period", "60"),
        ("frequency", "1"), ("redundancy", "1"),
        ("containers", "\"\(Hex.encode(ContainerSet.hash(["echo"])))\""), ("lazy", "false"),
        ("verifier", #""0x0000000000000000000000000000000000000000""#), ("payment_amount", "0"),
        ("payment_token", #""0x0000000000000000000000000000000000000000""#),
        ("wallet", #""0x0000000000000000000000000000000000000000""#),
    ]
    static let goodSignature: [(String, String)] = [
        ("nonce", "1"), ("expiry", "4000000000"), ("v", "27"), ("r", "1"), ("s", "2"),
    ]

    /// A body with one field of `subscription` or `signature` replaced.
    static func body(subscription changes: [String: String] = [:], signature signatureChanges: [String: String] = [:]) -> JSONValue {
        func object(_ fields: [(String, String)], _ changes: [String: String]) -> String {
            "{" + fields.map { "\"\($0.0)\": \(changes[$0.0] ?? $0.1)" }.joined(separator: ",") + "}"
        }
        let text = #"{"subscription": \#(object(goodFields, changes)), "signature": \#(object(goodSignature, signatureChanges)), "data": {"x": 1}}"#
        return (try? JSONValue(parsing: text)) ?? .null
    }

    func testWrongFieldsAre400sNamingTheField() {
        let cases: [(subscription: [String: String], signature: [String: String], message: String)] = [
            (["owner": #""0x1""#], [:], "subscription.owner: not an address"),
            (["owner": "5"], [:], "subscription.owner: expected an address string, got number"),
            (["owner": #""0x00000000000000000000000000000000000000zz""#], [:], "subscription.owner: not an address"),
            (["containers": #""0x00""#], [:], "subscription.containers: not 32-byte hex"),
            (["containers": "[\"echo\"]"], [:], "subscription.containers: expected 32-byte hex, got array"),
            (["active_at": "-1"], [:], "subscription.active_at: expected a non-negative integer, got -1"),
            (["active_at": "1.5"], [:], "subscription.active_at: expected a non-negative integer"),
            (["period": "4294967296"], [:], "subscription.period: 4294967296 does not fit uint32"),
            (["redundancy": "65536"], [:], "subscription.redundancy: 65536 does not fit uint16"),
            (["frequency": "true"], [:], "subscription.frequency: expected an integer, got boolean"),
            (["lazy": #""no""#], [:], "subscription.lazy: expected true or false, got string"),
            (["verifier": "null"], [:], "subscription.verifier: required"),
            (["payment_amount": #""12abc""#], [:], "subscription.payment_amount: expected a non-negative integer"),
            (["payment_amount": "\"1" + String(repeating: "0", count: 78) + "\""], [:],
             "subscription.payment_amount: \"1" + String(repeating: "0", count: 78) + "\" does not fit uint256"),
            ([:], ["r": #""x""#], "signature.r: expected a non-negative integer"),
            ([:], ["s": "[]"], "signature.s: expected an integer, got array"),
            ([:], ["nonce": "4294967296"], "signature.nonce: 4294967296 does not fit uint32"),
            ([:], ["r": "0"], "signature: not a valid secp256k1 signature"),
            ([:], ["v": "29"], "signature: not a valid secp256k1 signature"),
        ]
        for (subscription, signature, message) in cases {
            XCTAssertThrowsError(try JobSubmission.parse(Self.body(subscription: subscription, signature: signature))) { error in
                guard let error = error as? APIError else { return XCTFail("\(error)") }
                XCTAssertEqual(error.status, .badRequest, message)
                XCTAssertTrue(error.message.hasPrefix(message), "expected '\(message)', got '\(error.message)'")
                let field = String(message.prefix { $0 != ":" })
                XCTAssertEqual(error.params?["field"], .string(field), message)
            }
        }
    }

    func testGoodFieldsAreTyped() throws {
        let max = "115792089237316195423570985008687907853269984665640564039457584007913129639935"
        let value = Self.body(subscription: ["payment_amount": "\"\(max)\"", "redundancy": "65535",
                                             "owner": #""0x00000000000000000000000000000000000000C0""#],
                              signature: ["r": "\"0x" + String(repeating: "ab", count: 32) + "\"", "v": "28"])
        guard case .delegated(let request) = try JobSubmission.parse(value) else { return XCTFail("not delegated") }
        XCTAssertEqual(request.subscription.paymentAmount, BigUInt.maxValue(bits: 256))
        XCTAssertEqual(request.subscription.redundancy, 65535)
        XCTAssertEqual(request.subscription.owner, Address(Data(repeating: 0, count: 19) + Data([0xc0])))
        XCTAssertEqual(request.subscription.containerID, ContainerSet.hash(["echo"]))
        XCTAssertEqual(request.signature.signature.r, Data(repeating: 0xab, count: 32))
        XCTAssertEqual(request.signature.signature.v, 28)
        XCTAssertEqual(request.signature.expiry, 4_000_000_000)
        XCTAssertEqual(request.data, ["x": 1])
        // A big amount as a bare JSON integer is read exactly, not through a Double.
        let literal = Self.body(subscription: ["payment_amount": "12345678901234567890123"])
        guard case .delegated(let exact) = try JobSubmission.parse(literal) else { return XCTFail("not delegated") }
        XCTAssertEqual(exact.subscription.paymentAmount, BigUInt("12345678901234567890123"))
    }
}

/// The guardian's delegated checks, in the reference's order.
final class DelegatedGuardianTests: XCTestCase {
    func check(_ sub: Subscription, chainEnabled: Bool = true) throws -> [String] {
        let guardian = Guardian(config: try Delegation.config(chainEnabled: chainEnabled, directory: URL(fileURLWithPath: "/tmp")))
        let request = DelegatedSubscriptionRequest(
            subscription: sub, signature: DelegateSignature(nonce: 1, expiry: 1, signature: try Signature(bytes: Data(repeating: 1, count: 64) + Data([27]))),
            data: [:])
        return try guardian.check(request)
    }

    func refusal(_ sub: Subscription, chainEnabled: Bool = true) throws -> APIError? {
        do {
            _ = try check(sub, chainEnabled: chainEnabled)
            return nil
        } catch let error as APIError {
            return error
        }
    }

    func testChecksInOrder() throws {
        let stranger = Delegation.consumer
        // Chain disabled comes first, whatever else is wrong.
        let unserved = Delegation.subscription(owner: stranger, containers: ["nope"])
        XCTAssertEqual(try refusal(unserved, chainEnabled: false), APIError(.badRequest, "Chain not enabled"))
        // Then the container set, before the owner.
        XCTAssertEqual(try refusal(unserved), APIError(.notFound, "Container-set not supported",
                                                       params: object(["containers": .string(Hex.encode(ContainerSet.hash(["nope"])))])))
        // Chains longer than node.max_chain_length (2) are not recognised.
        XCTAssertEqual(try refusal(Delegation.subscription(containers: ["echo", "second", "guarded"]))?.message,
                       "Container-set not supported")
        // Then the owner, against every container of the chain that restricts owners.
        XCTAssertEqual(try refusal(Delegation.subscription(owner: stranger, containers: ["echo", "guarded"])),
                       APIError(.forbidden, "Container not allowed for address",
                                params: object(["container": "guarded", "address": .string(stranger.checksummed)])))
        // Accepted: the resolved chain, in the hashed order.
        XCTAssertEqual(try check(Delegation.subscription(owner: stranger, containers: ["second", "echo"])), ["second", "echo"])
        XCTAssertEqual(try check(Delegation.subscription(owner: Delegation.allowedOwner, containers: ["guarded", "echo"])),
                       ["guarded", "echo"])
    }
}

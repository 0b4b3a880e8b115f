import BigInt
import BusContract
import EVM
import InfernetSDK
import Foundation
import XCTest

/// The router's uniform answers, and the contract's wire values, without a socket.
final class BusRouterTests: XCTestCase {
    struct Refusal: BusFailureConvertible {
        var busFailure: BusFailure { BusFailure(.rejected, "no thanks") }
    }

    struct Boom: Error, CustomStringConvertible {
        var description: String { "boom" }
    }

    static let owner = try! Address(hex: "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")
    static let subscription = Subscription(
        owner: owner, activeAt: 1, period: 2, frequency: 3, redundancy: 1,
        containerID: Data(repeating: 0xab, count: 32), lazy: false, paymentAmount: BigUInt(10).power(30),
        paymentToken: owner, wallet: .zero)

    var paymentRouter: BusRouter {
        var router = BusRouter(service: .payment)
        router.on(Methods.payment.check) { request in
            if request.subscriptionID == 1 { throw Refusal() }
            if request.subscriptionID == 2 { throw Boom() }
            return PaymentDecision(accepted: true)
        }
        return router
    }

    func request(_ method: String, _ body: String) -> BusRequest {
        BusRequest(id: "r", service: .payment, method: method, body: body)
    }

    func checkBody(_ edit: (inout [String: Any]) -> Void) throws -> String {
        let encoded = BusBody.encode(PaymentCheckRequest(subscriptionID: 7, subscription: Self.subscription, containers: ["a"]))
        var json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(encoded.utf8)) as? [String: Any])
        edit(&json)
        return String(decoding: try JSONSerialization.data(withJSONObject: json), as: UTF8.self)
    }

    func testDecodeErrorsNameTheMethodAndTheField() async throws {
        let router = paymentRouter
        let missing = await router.handle(request("payment.check", try checkBody { json in
            var sub = json["subscription"] as! [String: Any]
            sub["owner"] = nil
            json["subscription"] = sub
        }))
        XCTAssertEqual(missing.error, BusFailure(
            .badRequest, "malformed payment.check body: expected a PaymentCheckRequest JSON object (missing field 'subscription.owner')"))

        let badAddress = await router.handle(request("payment.check", try checkBody { json in
            var sub = json["subscription"] as! [String: Any]
            sub["wallet"] = "0x1234"
            json["subscription"] = sub
        }))
        XCTAssertEqual(badAddress.error?.code, .badRequest)
        XCTAssertTrue(badAddress.error?.message.contains("field 'subscription.wallet' is invalid: '0x1234' is not a 20-byte 0x hex address") == true,
                      badAddress.error?.message ?? "")

        let badAmount = await router.handle(request("payment.check", try checkBody { json in
            var sub = json["subscription"] as! [String: Any]
            sub["paymentAmount"] = "1e18"
            json["subscription"] = sub
        }))
        XCTAssertTrue(badAmount.error?.message.contains("field 'subscription.paymentAmount' is invalid: '1e18' is not a decimal uint256") == true,
                      badAmount.error?.message ?? "")

        let wrongType = await router.handle(request("payment.check", #"{"subscriptionID": "x"}"#))
        XCTAssertEqual(wrongType.error?.message,
                       "malformed payment.check body: expected a PaymentCheckRequest JSON object (field 'subscriptionID' has the wrong type)")
        let notJSON = await router.handle(request("payment.check", "]["))
        XCTAssertEqual(notJSON.error?.code, .badRequest)
        XCTAssertEqual(notJSON.id, "r")
    }

    func testUnknownMethodListsWhatIsServed() async {
        let reply = await paymentRouter.handle(request("payment.transact", "{}"))
        XCTAssertEqual(reply.error, BusFailure(.unknownMethod, "the payment service has no method 'payment.transact' (it serves payment.check)"))
    }

    func testHandlerErrorsMapToCodes() async throws {
        let router = paymentRouter
        let refused = await router.handle(request("payment.check", try checkBody { $0["subscriptionID"] = 1 }))
        XCTAssertEqual(refused.error, BusFailure(.rejected, "no thanks"))
        let boom = await router.handle(request("payment.check", try checkBody { $0["subscriptionID"] = 2 }))
        XCTAssertEqual(boom.error, BusFailure(.internal, "boom"))
        let fine = await router.handle(request("payment.check", try checkBody { _ in }))
        XCTAssertNil(fine.error)
        XCTAssertEqual(try BusBody.decode(PaymentDecision.self, from: fine.body), PaymentDecision(accepted: true))
    }

    /// The SDK's `Subscription` is the wire type: checksummed addresses, hex bytes32, decimal
    /// uint256 (the same JSON the old string message had), read back in any address case.
    func testSubscriptionWireForm() throws {
        let text = BusBody.encode(Self.subscription)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        XCTAssertEqual(json["owner"] as? String, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")
        XCTAssertEqual(json["paymentAmount"] as? String, "1000000000000000000000000000000")
        XCTAssertEqual(json["containerID"] as? String, "0x" + String(repeating: "ab", count: 32))
        XCTAssertEqual(json["wallet"] as? String, "0x" + String(repeating: "0", count: 40))
        XCTAssertEqual(try BusBody.decode(Subscription.self, from: text), Self.subscription)
        for owner in [Self.owner.hex, Self.owner.hex.uppercased().replacingOccurrences(of: "0X", with: "0x"),
                      "0x5AAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"] {
            let other = text.replacingOccurrences(of: Self.owner.checksummed, with: owner)
            XCTAssertEqual(try BusBody.decode(Subscription.self, from: other).owner, Self.owner, owner)
        }
    }

    func testTransactionMessageWireForm() throws {
        let message = TransactionMessage(to: Self.owner, data: Data([1, 2, 255]), value: BigUInt(2).power(255), purpose: "p")
        let text = BusBody.encode(message)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        XCTAssertEqual(json["to"] as? String, Self.owner.checksummed)
        XCTAssertEqual(json["data"] as? String, "0x0102ff")
        XCTAssertEqual(json["value"] as? String, String(BigUInt(2).power(255)))
        XCTAssertEqual(try BusBody.decode(TransactionMessage.self, from: text), message)
        let tooBig = text.replacingOccurrences(of: String(BigUInt(2).power(255)), with: String(BigUInt(2).power(256)))
        XCTAssertThrowsError(try BusBody.decode(TransactionMessage.self, from: tooBig)) { error in
            XCTAssertEqual(BusBody.describe(error), "field 'value' is invalid: '\(BigUInt(2).power(256))' is not a decimal uint256")
        }
    }

    func testChainStatusAddressIsOptionalAndAnyCase() throws {
        let status = ChainStatus(address: Self.owner, headBlock: 5, subscriptions: 1, pendingDeliveries: 0)
        let text = BusBody.encode(status)
        XCTAssertTrue(text.contains(Self.owner.checksummed), text)
        XCTAssertEqual(try BusBody.decode(ChainStatus.self, from: text.replacingOccurrences(of: Self.owner.checksummed, with: Self.owner.hex)),
                       status)
        let keyless = BusBody.encode(ChainStatus(address: nil, headBlock: 0, subscriptions: 0, pendingDeliveries: 0))
        XCTAssertFalse(keyless.contains("address"), keyless)
        XCTAssertNil(try BusBody.decode(ChainStatus.self, from: keyless).address)
    }
}

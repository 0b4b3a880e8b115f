import BusContract
import EVM
import InfernetCore
@testable import PaymentWorker
import XCTest

final class PaymentPolicyTests: XCTestCase {
    private func policy(_ containers: [ContainerConfig], paymentAddress: Address? = Fixture.nodeWallet) -> PaymentPolicy {
        PaymentPolicy(paymentAddress: paymentAddress, containers: containers)
    }

    private func reason(_ verdict: PolicyVerdict) -> String? {
        if case .rejected(let reason) = verdict { return reason }
        return nil
    }

    func testFreeSubscriptionIsAcceptedWithoutPaymentAddress() {
        let verdict = policy([Fixture.container("a", accepts: [Fixture.token: 100])], paymentAddress: nil)
            .evaluate(Fixture.request(amount: 0))
        XCTAssertEqual(verdict, .free)
    }

    func testAllowedAddressesApplyToFreeAndPayingSubscriptions() throws {
        let stranger = Fixture.address(0x99)
        let containers = [Fixture.container("a"), Fixture.container("b", allowed: [Fixture.owner])]
        let p = policy(containers)
        let refused = try XCTUnwrap(reason(p.evaluate(Fixture.request(containers: ["a", "b"], owner: stranger))))
        XCTAssertTrue(refused.contains("not in container 'b' allowed_addresses"), refused)
        XCTAssertTrue(refused.contains(stranger.checksummed), refused)
        XCTAssertNotNil(reason(p.evaluate(Fixture.request(containers: ["a", "b"], amount: 5, owner: stranger))))
        // The listed owner passes, whatever the case of the config entry.
        XCTAssertEqual(p.evaluate(Fixture.request(containers: ["a", "b"])), .free)
        // Containers with an empty list admit anyone.
        XCTAssertEqual(p.evaluate(Fixture.request(containers: ["a"], owner: stranger)), .free)
    }

    func testPayingSubscriptionNeedsPaymentAddress() {
        // A malformed payment_address never gets here: the config refuses it at load (NodeConfigTests).
        let verdict = policy([Fixture.container("a")], paymentAddress: nil).evaluate(Fixture.request(amount: 1))
        XCTAssertEqual(reason(verdict), "payment_address not configured")
    }

    func testEveryContainerWithAcceptedPaymentsMustListTheToken() throws {
        let containers = [Fixture.container("a"), Fixture.container("b", accepts: [Fixture.otherToken: 1])]
        let refused = try XCTUnwrap(reason(policy(containers).evaluate(Fixture.request(containers: ["a", "b"], amount: 10))))
        XCTAssertEqual(refused, "container 'b' does not accept payment token \(Fixture.token.hex)")
    }

    func testTokenMatchIsCaseInsensitive() throws {
        // Config keys in upper case (and checksummed requests) still match: the config parses them.
        let upper = "0x" + Fixture.token.hex.dropFirst(2).uppercased()
        let config = try NodeConfig.parse(Array(#"{"containers": [{"id": "a", "url": "http://127.0.0.1:1", "accepted_payments": {"\#(upper)": "10"}}]}"#.utf8))
        let verdict = policy(config.containers).evaluate(Fixture.request(amount: 10))
        guard case .paying(let need) = verdict else { return XCTFail("expected paying, got \(verdict)") }
        XCTAssertEqual(need.amount, 10)
        XCTAssertEqual(need.token, Fixture.token)
    }

    func testMinimumIsTheSumOverTheChain() throws {
        let containers = [Fixture.container("a", accepts: [Fixture.token: 30]),
                          Fixture.container("b", accepts: [Fixture.token: 12]), Fixture.container("c")]
        let p = policy(containers)
        let refused = try XCTUnwrap(reason(p.evaluate(Fixture.request(containers: ["a", "b", "c"], amount: 41))))
        XCTAssertTrue(refused.contains("bid 41 is below the minimum 42"), refused)
        guard case .paying(let need) = p.evaluate(Fixture.request(containers: ["a", "b", "c"], amount: 42)) else {
            return XCTFail("a bid equal to the minimum is accepted")
        }
        XCTAssertEqual(need.amount, 42)
        XCTAssertEqual(need.nodeWallet, Fixture.nodeWallet)
        XCTAssertEqual(need.consumerWallet, Fixture.consumerWallet)
        XCTAssertEqual(need.owner, Fixture.owner)
        XCTAssertFalse(need.needsCollateral)
    }

    func testContainersWithoutAcceptedPaymentsAcceptAnyTokenAtMinimumZero() {
        let verdict = policy([Fixture.container("a")]).evaluate(Fixture.request(amount: 1, token: Fixture.otherToken))
        guard case .paying(let need) = verdict else { return XCTFail("expected paying, got \(verdict)") }
        XCTAssertEqual(need.token, Fixture.otherToken)
    }

    func testVerifierMarksCollateral() {
        let verdict = policy([Fixture.container("a")]).evaluate(Fixture.request(amount: 5, verifier: Fixture.verifier))
        guard case .paying(let need) = verdict else { return XCTFail("expected paying, got \(verdict)") }
        XCTAssertTrue(need.needsCollateral)
        XCTAssertEqual(need.verifier, Fixture.verifier)
    }

    func testUnknownContainersAndHashMismatchAreRefused() throws {
        let p = policy([Fixture.container("a"), Fixture.container("b", accepts: [Fixture.token: 100])])
        XCTAssertEqual(reason(p.evaluate(Fixture.request(containers: ["zzz"]))), "container 'zzz' is not configured on this node")
        // A request quoting the cheap container for a subscription made for the expensive one.
        var request = Fixture.request(containers: ["b"], amount: 1)
        request.containers = ["a"]
        let refused = try XCTUnwrap(reason(p.evaluate(request)))
        XCTAssertTrue(refused.contains("do not hash to the subscription's containerId"), refused)
        XCTAssertEqual(reason(p.evaluate(PaymentCheckRequest(subscriptionID: 1, subscription: request.subscription,
                                                             containers: []))), "the subscription names no containers")
    }
}

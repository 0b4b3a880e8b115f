import BusContract
import EVM
import InfernetSDK
import InfernetCore
@testable import PaymentWorker
import XCTest

/// The chain half of the check, against a fake chain.
final class PaymentCheckerTests: XCTestCase {
    let node = Fixture.address(0x0E)
    var chain = FakePaymentChain()

    override func setUp() {
        chain = FakePaymentChain()
        chain.addWallet(Fixture.nodeWallet)
        chain.addWallet(Fixture.consumerWallet)
        chain.setBalance(Fixture.consumerWallet, token: Fixture.token, 100)
        chain.setAllowance(wallet: Fixture.consumerWallet, spender: Fixture.owner, token: Fixture.token, 100)
    }

    private func checker(nodeAddress: Address? = nil) -> PaymentChecker {
        PaymentChecker(policy: PaymentPolicy(paymentAddress: Fixture.nodeWallet, containers: [Fixture.container("a")]),
                       chain: chain, nodeAddress: nodeAddress ?? node)
    }

    func testFundedSubscriptionIsAccepted() async throws {
        let decision = try await checker().check(Fixture.request(amount: 100))
        XCTAssertEqual(decision, PaymentDecision(accepted: true))
    }

    func testStaticRefusalSkipsTheChain() async throws {
        chain.failure = FakeRPCFailure()
        let decision = try await PaymentChecker(policy: PaymentPolicy(paymentAddress: nil, containers: [Fixture.container("a")]),
                                                chain: chain, nodeAddress: node).check(Fixture.request(amount: 1))
        XCTAssertEqual(decision, PaymentDecision(accepted: false, reason: "payment_address not configured"))
    }

    func testInvalidWallets() async throws {
        let stranger = Fixture.address(0x55)
        let decision = try await checker().check(Fixture.request(amount: 1, wallet: stranger))
        XCTAssertFalse(decision.accepted)
        XCTAssertEqual(decision.reason, "subscription wallet \(stranger.checksummed) is not a Wallet created by the WalletFactory")

        let fresh = FakePaymentChain()
        fresh.addWallet(Fixture.consumerWallet)
        let nodeRefused = try await PaymentChecker(policy: PaymentPolicy(paymentAddress: Fixture.nodeWallet,
                                                                         containers: [Fixture.container("a")]),
                                                   chain: fresh, nodeAddress: node).check(Fixture.request(amount: 1))
        XCTAssertTrue(nodeRefused.reason?.hasPrefix("payment_address \(Fixture.nodeWallet.checksummed) is not a Wallet") ?? false,
                      "\(nodeRefused)")
    }

    func testInsufficientBalanceNamesBothNumbers() async throws {
        let decision = try await checker().check(Fixture.request(amount: 101))
        XCTAssertFalse(decision.accepted)
        let reason = try XCTUnwrap(decision.reason)
        XCTAssertTrue(reason.hasPrefix("insufficient balance"), reason)
        XCTAssertTrue(reason.contains("holds 100") && reason.contains("pays 101"), reason)
    }

    func testInsufficientAllowanceNamesBothNumbers() async throws {
        chain.setAllowance(wallet: Fixture.consumerWallet, spender: Fixture.owner, token: Fixture.token, 60)
        let decision = try await checker().check(Fixture.request(amount: 61))
        let reason = try XCTUnwrap(decision.reason)
        XCTAssertFalse(decision.accepted)
        XCTAssertTrue(reason.hasPrefix("insufficient allowance"), reason)
        XCTAssertTrue(reason.contains("may spend 60") && reason.contains("pays 61"), reason)
        // The allowance that counts is the owner's, not someone else's.
        chain.setAllowance(wallet: Fixture.consumerWallet, spender: node, token: Fixture.token, 1000)
        let still = try await checker().check(Fixture.request(amount: 61))
        XCTAssertFalse(still.accepted)
    }

    func testVerifierWithShortCollateralAllowanceReturnsApproval() async throws {
        chain.setBalance(Fixture.nodeWallet, token: Fixture.token, 500)
        chain.setAllowance(wallet: Fixture.nodeWallet, spender: node, token: Fixture.token, 10)
        let decision = try await checker().check(Fixture.request(amount: 50, verifier: Fixture.verifier))
        XCTAssertTrue(decision.accepted)
        let approval = try XCTUnwrap(decision.approval)
        XCTAssertEqual(approval.to, Fixture.nodeWallet)
        XCTAssertEqual(approval.purpose, "approve proof collateral")
        XCTAssertEqual(approval.value, 0)
        let expected = try WalletContract.approveCalldata(spender: node, token: Fixture.token, amount: 50)
        XCTAssertEqual(approval.data, expected)

        // Once approved, no approval is asked for.
        chain.setAllowance(wallet: Fixture.nodeWallet, spender: node, token: Fixture.token, 50)
        let approved = try await checker().check(Fixture.request(amount: 50, verifier: Fixture.verifier))
        XCTAssertEqual(approved, PaymentDecision(accepted: true))
    }

    func testVerifierNeedsCollateralAndAKey() async throws {
        chain.setBalance(Fixture.nodeWallet, token: Fixture.token, 49)
        let short = try await checker().check(Fixture.request(amount: 50, verifier: Fixture.verifier))
        XCTAssertFalse(short.accepted)
        XCTAssertTrue(short.reason?.hasPrefix("insufficient collateral") ?? false, "\(short)")

        chain.setBalance(Fixture.nodeWallet, token: Fixture.token, 50)
        let keyless = try await PaymentChecker(policy: PaymentPolicy(paymentAddress: Fixture.nodeWallet,
                                                                     containers: [Fixture.container("a")]),
                                               chain: chain, nodeAddress: nil)
            .check(Fixture.request(amount: 50, verifier: Fixture.verifier))
        XCTAssertFalse(keyless.accepted)
        XCTAssertTrue(keyless.reason?.contains("private_key") ?? false, "\(keyless)")
    }

    func testVerifierMustSupportTheToken() async throws {
        chain.setBalance(Fixture.nodeWallet, token: Fixture.token, 50)
        chain.setUnsupported(verifier: Fixture.verifier, token: Fixture.token)
        let refused = try await checker().check(Fixture.request(amount: 50, verifier: Fixture.verifier))
        XCTAssertFalse(refused.accepted)
        XCTAssertTrue(refused.reason?.contains("UnsupportedVerifierToken") ?? false, "\(refused)")
        XCTAssertNil(refused.approval, "no collateral approval for a delivery that cannot succeed")
    }

    func testChainFailureIsAnErrorNotARefusal() async {
        chain.failure = FakeRPCFailure()
        do throws(PaymentCheckError) {
            _ = try await checker().check(Fixture.request(amount: 1))
            XCTFail("expected an error")
        } catch {
            XCTAssertEqual(error, .chainUnavailable("connection refused"))
        }
    }

    func testValidWalletsAreRemembered() async throws {
        let checker = checker()
        _ = try await checker.check(Fixture.request(amount: 1))
        _ = try await checker.check(Fixture.request(amount: 1))
        XCTAssertEqual(chain.validityQueries, 2, "node and consumer wallet once each")
    }
}

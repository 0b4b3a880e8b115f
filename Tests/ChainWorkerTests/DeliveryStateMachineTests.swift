@testable import ChainWorker
import XCTest

/// An instant that is just a number: the state machine is told the time, so no clock is needed.
private struct At: InstantProtocol {
    typealias Duration = Swift.Duration
    var offset: Swift.Duration
    func advanced(by duration: Swift.Duration) -> At { At(offset: offset + duration) }
    func duration(to other: At) -> Swift.Duration { other.offset - offset }
    static func < (lhs: At, rhs: At) -> Bool { lhs.offset < rhs.offset }
    static func seconds(_ value: Double) -> At { At(offset: .seconds(value)) }
}

final class DeliveryStateMachineTests: XCTestCase {
    private typealias Machine = DeliveryStateMachine<String, At>
    private let t0 = At.seconds(100)
    private let hash = "0xabc"

    private func machine(maxAttempts: Int = 3, retryDelay: Duration = .seconds(1)) -> Machine {
        Machine(rule: DeliveryRule(maxAttempts: maxAttempts, retryDelay: retryDelay))
    }

    // MARK: Admission

    func testANewDeliveryIsACandidateAndAdmittedWithoutARecord() {
        var machine = machine()
        XCTAssertTrue(machine.isCandidate("k", at: t0))
        XCTAssertTrue(machine.admits("k", status: nil, attempts: 0))
    }

    func testAPendingRecordIsAdmittedUntilItsAttemptsAreUsedUp() {
        var machine = machine()
        XCTAssertTrue(machine.admits("k", status: .pending, attempts: 2))
        XCTAssertFalse(machine.admits("k", status: .pending, attempts: 3))
        XCTAssertFalse(machine.admits("k", status: .pending, attempts: 4))
    }

    func testFinalRecordsAreSettledAndNotReadAgain() {
        for status in [DeliveryStatus.delivered, .failed, .skipped] {
            var machine = machine()
            XCTAssertFalse(machine.admits("k", status: status, attempts: 0), "\(status)")
            XCTAssertFalse(machine.isCandidate("k", at: t0), "\(status) is settled")
            XCTAssertTrue(machine.isCandidate("other", at: t0))
        }
    }

    func testRunningRecordsAreNotAdmittedButStayCandidates() {
        for status in [DeliveryStatus.computing, .sent] {
            var machine = machine()
            XCTAssertFalse(machine.admits("k", status: status, attempts: 0), "\(status)")
            XCTAssertTrue(machine.isCandidate("k", at: t0), "\(status) is not final: its transaction may still fail")
        }
    }

    // MARK: Attempts

    func testAStartedDeliveryIsComputingAndInFlightUntilItFinishes() {
        var machine = machine()
        XCTAssertEqual(machine.start("k", attempts: 1), DeliveryDecision(status: .computing, attempts: 1))
        XCTAssertEqual(machine.inFlight, ["k"])
        XCTAssertFalse(machine.isCandidate("k", at: t0))
        let sent = machine.finish("k", attempts: 1, outcome: .sent(transactionHash: hash), at: t0)
        XCTAssertEqual(sent, DeliveryDecision(status: .sent, attempts: 1, transactionHash: hash))
        XCTAssertTrue(machine.inFlight.isEmpty)
        XCTAssertFalse(machine.isCandidate("k", at: t0), "its transaction is out: not started again before its outcome")
        XCTAssertEqual(machine.awaitingTransaction, ["k"])
    }

    func testASentDeliveryIsACandidateAgainOnlyOnceItsTransactionIsDroppedOrReverted() {
        var machine = machine()
        _ = machine.start("k", attempts: 0)
        _ = machine.finish("k", attempts: 0, outcome: .sent(transactionHash: hash), at: t0)
        XCTAssertNil(machine.apply(.bumped, succeeded: nil, transactionHash: hash, to: "k", attempts: 0, at: t0))
        XCTAssertFalse(machine.isCandidate("k", at: t0.advanced(by: .seconds(3600))), "a fee bump is still the same delivery")
        _ = machine.apply(.dropped, succeeded: nil, transactionHash: hash, to: "k", attempts: 0, at: t0)
        XCTAssertTrue(machine.isCandidate("k", at: t0), "dropped: delivered again at once")

        _ = machine.start("k", attempts: 0)
        _ = machine.finish("k", attempts: 0, outcome: .sent(transactionHash: hash), at: t0)
        _ = machine.apply(.mined, succeeded: false, transactionHash: hash, to: "k", attempts: 0, at: t0)
        XCTAssertFalse(machine.isCandidate("k", at: t0.advanced(by: .milliseconds(1999))), "reverted: after the back-off")
        XCTAssertTrue(machine.isCandidate("k", at: t0.advanced(by: .seconds(2))))

        _ = machine.start("k", attempts: 1)
        _ = machine.finish("k", attempts: 1, outcome: .sent(transactionHash: hash), at: t0)
        _ = machine.apply(.reorged, succeeded: nil, transactionHash: hash, to: "k", attempts: 1, at: t0)
        XCTAssertFalse(machine.isCandidate("k", at: t0.advanced(by: .seconds(3600))), "re-sent after a reorg: still out")
        _ = machine.apply(.mined, succeeded: true, transactionHash: hash, to: "k", attempts: 1, at: t0)
        XCTAssertTrue(machine.awaitingTransaction.isEmpty)
        XCTAssertFalse(machine.isCandidate("k", at: t0.advanced(by: .seconds(3600))), "delivered: settled")
    }

    func testADeliveryGivenUpIsSettledAndNeverACandidateAgain() {
        var machine = machine()
        _ = machine.start("final", attempts: 0)
        _ = machine.finish("final", attempts: 0, outcome: .failed(.badOutput("x")), at: t0)
        _ = machine.start("last", attempts: 2)
        _ = machine.finish("last", attempts: 2, outcome: .failed(.inputsUnavailable("x")), at: t0)
        _ = machine.start("refused", attempts: 0)
        _ = machine.finish("refused", attempts: 0, outcome: .failed(.paymentRefused("no")), at: t0)
        _ = machine.start("reverted", attempts: 2)
        _ = machine.finish("reverted", attempts: 2, outcome: .sent(transactionHash: hash), at: t0)
        _ = machine.apply(.mined, succeeded: false, transactionHash: hash, to: "reverted", attempts: 2, at: t0)
        for key in ["final", "last", "refused", "reverted"] {
            XCTAssertFalse(machine.isCandidate(key, at: t0.advanced(by: .seconds(3600))), key)
        }
        XCTAssertEqual(machine.settled, ["final", "last", "refused", "reverted"])
    }

    func testARetryableFailureCostsAnAttemptAndWaitsTwiceTheRetryDelay() {
        var machine = machine()
        _ = machine.start("k", attempts: 0)
        let error = DeliveryError.computeFailed(container: "c", error: "boom")
        let decision = machine.finish("k", attempts: 0, outcome: .failed(error), at: t0)
        XCTAssertEqual(decision, DeliveryDecision(status: .pending, attempts: 1, error: error.description))
        XCTAssertFalse(decision.isGivenUp)
        XCTAssertFalse(machine.isCandidate("k", at: t0.advanced(by: .milliseconds(1999))))
        XCTAssertTrue(machine.isCandidate("k", at: t0.advanced(by: .seconds(2))))
        XCTAssertTrue(machine.admits("k", status: decision.status, attempts: decision.attempts))
    }

    func testTheBackOffDoublesPerFailure() {
        var machine = machine()
        _ = machine.start("k", attempts: 1)
        _ = machine.finish("k", attempts: 1, outcome: .failed(.inputsUnavailable("rpc")), at: t0)
        XCTAssertFalse(machine.isCandidate("k", at: t0.advanced(by: .milliseconds(3999))))
        XCTAssertTrue(machine.isCandidate("k", at: t0.advanced(by: .seconds(4))))
    }

    func testTheBackOffScalesWithTheRetryDelayAndIsCapped() {
        let rule = DeliveryRule(retryDelay: .milliseconds(50))
        XCTAssertEqual(rule.backoff(failures: 0), .milliseconds(100), "an unjudged attempt waits like one failure")
        XCTAssertEqual(rule.backoff(failures: 1), .milliseconds(100))
        XCTAssertEqual(rule.backoff(failures: 2), .milliseconds(200))
        XCTAssertEqual(rule.backoff(failures: 6), .milliseconds(3200))
        XCTAssertEqual(rule.backoff(failures: 40), .milliseconds(3200), "capped at 64 × the retry delay")
        XCTAssertEqual(DeliveryRule().backoff(failures: 1), .seconds(2), "the default: 2 s, 4 s, …")
    }

    func testTheLastAttemptFailsTheDeliveryWithoutABackOff() {
        var machine = machine()
        _ = machine.start("k", attempts: 2)
        let decision = machine.finish("k", attempts: 2, outcome: .failed(.inputsUnavailable("x")), at: t0)
        XCTAssertEqual(decision.status, .failed)
        XCTAssertEqual(decision.attempts, 3)
        XCTAssertTrue(decision.isGivenUp)
        XCTAssertFalse(machine.admits("k", status: decision.status, attempts: decision.attempts))
    }

    func testMaxAttemptsIsTheRulesNumber() {
        var machine = machine(maxAttempts: 1)
        _ = machine.start("k", attempts: 0)
        XCTAssertEqual(machine.finish("k", attempts: 0, outcome: .failed(.inputsUnavailable("x")), at: t0).status, .failed)
        XCTAssertEqual(DeliveryRule(maxAttempts: 0).maxAttempts, 1, "at least one attempt")
    }

    func testPermanentErrorsFailAtTheFirstAttempt() {
        let permanent: [DeliveryError] = [
            .containerReportedFailure(code: "500"), .badOutput("x"), .unknownContainerSet,
            .simulationReverted("InvalidWallet()", retryable: false),
        ]
        for error in permanent {
            XCTAssertTrue(DeliveryRule.isPermanent(error), "\(error)")
            var machine = machine()
            _ = machine.start("k", attempts: 0)
            let decision = machine.finish("k", attempts: 0, outcome: .failed(error), at: t0)
            XCTAssertEqual(decision, DeliveryDecision(status: .failed, attempts: 1, error: error.description), "\(error)")
        }
    }

    func testRecoverableErrorsAreRetried() {
        let recoverable: [DeliveryError] = [
            .inputsUnavailable("x"), .computeFailed(container: "c", error: "e"),
            .simulationReverted("RevertingConsumer: always reverts", retryable: true),
        ]
        for error in recoverable {
            XCTAssertFalse(DeliveryRule.isPermanent(error), "\(error)")
            var machine = machine()
            _ = machine.start("k", attempts: 0)
            XCTAssertEqual(machine.finish("k", attempts: 0, outcome: .failed(error), at: t0).status, .pending, "\(error)")
        }
    }

    func testARefusedPaymentSkipsTheDelivery() {
        var machine = machine()
        _ = machine.start("k", attempts: 0)
        let decision = machine.finish("k", attempts: 0, outcome: .failed(.paymentRefused("too cheap")), at: t0)
        XCTAssertEqual(decision.status, .skipped)
        XCTAssertEqual(decision.attempts, 1)
        XCTAssertTrue(decision.isGivenUp)
    }

    func testAnUnreachableChainCostsNoAttemptButWaits() {
        var machine = machine()
        _ = machine.start("k", attempts: 1)
        let decision = machine.finish("k", attempts: 1, outcome: .unreachable("connection refused"), at: t0)
        XCTAssertEqual(decision, DeliveryDecision(status: .pending, attempts: 1, error: "connection refused"))
        XCTAssertFalse(machine.isCandidate("k", at: t0.advanced(by: .milliseconds(1999))))
        XCTAssertTrue(machine.isCandidate("k", at: t0.advanced(by: .seconds(2))))
    }

    func testASentDeliveryClearsAnEarlierBackOff() {
        var machine = machine()
        _ = machine.start("k", attempts: 0)
        _ = machine.finish("k", attempts: 0, outcome: .unreachable("down"), at: t0)
        _ = machine.start("k", attempts: 0)
        _ = machine.finish("k", attempts: 0, outcome: .sent(transactionHash: hash), at: t0)
        XCTAssertNil(machine.retryNotBefore["k"])
    }

    // MARK: Transaction events

    func testBumpsAndFinalityChangeNothing() {
        var machine = machine()
        for kind in [TransactionEvent.Kind.bumped, .final] {
            XCTAssertNil(machine.apply(kind, succeeded: true, transactionHash: hash, to: "k", attempts: 1, at: t0), "\(kind)")
        }
    }

    func testAMinedDeliveryIsDeliveredAndSettled() {
        var machine = machine()
        let decision = machine.apply(.mined, succeeded: true, transactionHash: hash, to: "k", attempts: 1, at: t0)
        XCTAssertEqual(decision, DeliveryDecision(status: .delivered, attempts: 1, transactionHash: hash))
        XCTAssertFalse(machine.isCandidate("k", at: t0))
    }

    func testARevertedDeliveryCostsAnAttemptAndWaits() {
        var machine = machine()
        let decision = machine.apply(.mined, succeeded: false, transactionHash: hash, to: "k", attempts: 0, at: t0)
        XCTAssertEqual(decision, DeliveryDecision(status: .pending, attempts: 1, transactionHash: hash,
                                                  error: "transaction \(hash) reverted"))
        XCTAssertFalse(machine.isCandidate("k", at: t0.advanced(by: .milliseconds(1999))))
        XCTAssertTrue(machine.isCandidate("k", at: t0.advanced(by: .seconds(2))))
    }

    func testAMinedDeliveryWithoutAReceiptStatusCountsAsReverted() {
        var machine = machine()
        XCTAssertEqual(machine.apply(.mined, succeeded: nil, transactionHash: hash, to: "k", attempts: 0, at: t0)?.status, .pending)
    }

    func testTheThirdRevertFailsTheDelivery() {
        var machine = machine()
        let decision = machine.apply(.mined, succeeded: false, transactionHash: hash, to: "k", attempts: 2, at: t0)
        XCTAssertEqual(decision?.status, .failed)
        XCTAssertEqual(decision?.attempts, 3)
    }

    func testAReorgedDeliveryIsSentAgainAtNoCost() {
        var machine = machine()
        let decision = machine.apply(.reorged, succeeded: nil, transactionHash: hash, to: "k", attempts: 1, at: t0)
        XCTAssertEqual(decision, DeliveryDecision(status: .sent, attempts: 1, transactionHash: hash))
    }

    func testADroppedOrReplacedTransactionMakesTheDeliveryPendingAtNoCost() {
        var machine = machine()
        let decision = machine.apply(.dropped, succeeded: nil, transactionHash: hash, to: "k", attempts: 1, at: t0)
        XCTAssertEqual(decision, DeliveryDecision(status: .pending, attempts: 1, transactionHash: hash))
        XCTAssertTrue(machine.admits("k", status: decision?.status, attempts: 1))
        XCTAssertTrue(machine.isCandidate("k", at: t0), "no back-off: nothing was wrong with the delivery")
    }

    // MARK: Delegated subscriptions

    func testDelegatedStatusesFollowTheDeliveryStatus() {
        XCTAssertEqual(DelegatedRecord.Status(.pending), .pending)
        XCTAssertEqual(DelegatedRecord.Status(.computing), .computing)
        XCTAssertEqual(DelegatedRecord.Status(.sent), .sent)
        XCTAssertEqual(DelegatedRecord.Status(.delivered), .delivered)
        XCTAssertEqual(DelegatedRecord.Status(.failed), .failed)
        XCTAssertEqual(DelegatedRecord.Status(.skipped), .failed, "a refused payment fails a delegated subscription")
    }

    func testDelegatedKeysFollowTheSameRule() {
        var machine = DeliveryStateMachine<String, At>()
        let key = "delegate:0xab:1"
        _ = machine.start(key, attempts: 0)
        XCTAssertEqual(machine.finish(key, attempts: 0, outcome: .failed(.inputsUnavailable("x")), at: t0).status, .pending)
        XCTAssertFalse(machine.isCandidate(key, at: t0))
        XCTAssertEqual(machine.apply(.mined, succeeded: false, transactionHash: hash, to: key, attempts: 2, at: t0)?.status, .failed)
    }
}

import BusContract
import EVM
import Foundation
import InfernetCore
import Logging

/// Serves `payment.check`, `payment.record` and `payment.earnings`. Every failure becomes an
/// error reply naming the problem; nothing a peer sends can crash the worker.
public struct PaymentRequestHandler: Sendable {
    /// nil when checks cannot be made (chain disabled, unusable chain config): they are then
    /// refused with `unavailableReason`.
    public let checker: PaymentChecker?
    public let unavailableReason: String
    /// The recorder, or why it could not be set up (e.g. the ledger file cannot be opened).
    public let recorder: Result<DeliveryRecorder, SetupFailure>?
    let logger: Logger

    public struct SetupFailure: Error, Equatable, Sendable, CustomStringConvertible {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    public init(checker: PaymentChecker?, recorder: Result<DeliveryRecorder, SetupFailure>?,
                unavailableReason: String = "chain not enabled", logger: Logger = Logger(label: "payment")) {
        self.checker = checker
        self.unavailableReason = unavailableReason
        self.recorder = recorder
        self.logger = logger
    }

    /// The payment worker's methods.
    public var router: BusRouter {
        var router = BusRouter(service: .payment)
        router.on(Methods.payment.check) { try await check($0) }
        router.on(Methods.payment.record) { try await record($0) }
        router.on(Methods.payment.earnings) { _ in try await earnings() }
        return router
    }

    /// The reply to one request, as the worker would send it (tests drive the router directly).
    public func reply(to request: BusRequest) async -> BusReply { await router.handle(request) }

    func check(_ request: PaymentCheckRequest) async throws -> PaymentDecision {
        guard let checker else { return PaymentDecision(accepted: false, reason: unavailableReason) }
        do {
            let decision = try await checker.check(request)
            if !decision.accepted {
                logger.info("payment check refused", metadata: [
                    "subscription": "\(request.subscriptionID)", "reason": "\(decision.reason ?? "")"])
            }
            return decision
        } catch {
            logger.warning("payment check failed", metadata: ["subscription": "\(request.subscriptionID)", "error": "\(error)"])
            throw BusFailure(.unavailable, error.description)
        }
    }

    func record(_ receipt: DeliveryReceipt) async throws -> PaymentRecordResult {
        let recorder: DeliveryRecorder
        switch self.recorder {
        case nil: throw BusFailure(.unavailable, "chain not enabled: no deliveries to record")
        case .failure(let failure)?: throw BusFailure(.unavailable, failure.description)
        case .success(let value)?: recorder = value
        }
        let recorded = try await recorder.record(receipt)
        if recorded > 0 {
            logger.info("earnings recorded", metadata: [
                "subscription": "\(receipt.subscriptionID)", "interval": "\(receipt.interval)", "payments": "\(recorded)"])
        }
        return PaymentRecordResult(recorded: recorded)
    }

    func earnings() async throws -> EarningsSummary {
        guard case .success(let recorder)? = recorder else {
            throw BusFailure(.unavailable, "no payments ledger (chain not enabled or the ledger could not be opened)")
        }
        do {
            let byToken = try await recorder.ledger.totalsByToken().mapValues { String($0) }
            let bySubscription = try await recorder.ledger.totalsBySubscription()
            return EarningsSummary(byToken: byToken, bySubscription: bySubscription)
        } catch {
            throw BusFailure(.unavailable, "cannot read the payments ledger: \(error)")
        }
    }
}

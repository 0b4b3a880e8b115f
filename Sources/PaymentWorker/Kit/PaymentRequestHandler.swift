import EVM
import Foundation
import InfernetBus
import InfernetCore
import Logging
import WorkerKit

/// Bus methods of the payment worker beyond the shared ones in `PaymentMethod`.
public enum PaymentWorkerMethod {
    /// `{}` -> `EarningsSummary`: what the ledger holds.
    public static let earnings = "payment.earnings"
}

/// The reply body of `payment.record`.
public struct PaymentRecordResult: Codable, Equatable, Sendable {
    /// New ledger rows (0 for a receipt recorded before, a failed delivery or a free one).
    public var recorded: Int
    public init(recorded: Int) { self.recorded = recorded }
}

/// The reply body of `payment.earnings`.
public struct EarningsSummary: Codable, Equatable, Sendable {
    /// Token (0x hex, lower case) -> wei, decimal.
    public var byToken: [String: String]
    public var bySubscription: [SubscriptionEarnings]
}

/// Serves `payment.check`, `payment.record` and `payment.earnings`. Every failure becomes an
/// error reply naming the problem; nothing a peer sends can crash the worker.
public struct PaymentRequestHandler: BusRequestHandler {
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

    public func handle(_ request: BusRequest, peer: BusPeer) async -> BusReply {
        await reply(to: request)
    }

    /// The reply to one request (the bus-independent part of `handle`).
    public func reply(to request: BusRequest) async -> BusReply {
        switch request.method {
        case PaymentMethod.check: return await check(request)
        case PaymentMethod.record: return await record(request)
        case PaymentWorkerMethod.earnings: return await earnings(request)
        default:
            return BusReply(id: request.id, error: "the payment worker does not serve '\(request.method)' (it serves "
                            + "\(PaymentMethod.check), \(PaymentMethod.record), \(PaymentWorkerMethod.earnings))")
        }
    }

    private func check(_ request: BusRequest) async -> BusReply {
        let body: PaymentCheckRequest
        do { body = try BusBody.decode(PaymentCheckRequest.self, from: request.body) } catch {
            return malformed(request, as: "PaymentCheckRequest", error)
        }
        guard let checker else {
            return BusReply(id: request.id, body: BusBody.encode(PaymentDecision(accepted: false, reason: unavailableReason)))
        }
        do {
            let decision = try await checker.check(body)
            if !decision.accepted {
                logger.info("payment check refused", metadata: [
                    "subscription": "\(body.subscriptionID)", "reason": "\(decision.reason ?? "")"])
            }
            return BusReply(id: request.id, body: BusBody.encode(decision))
        } catch {
            logger.warning("payment check failed", metadata: ["subscription": "\(body.subscriptionID)", "error": "\(error)"])
            return BusReply(id: request.id, error: "\(error)")
        }
    }

    private func record(_ request: BusRequest) async -> BusReply {
        let body: DeliveryReceipt
        do { body = try BusBody.decode(DeliveryReceipt.self, from: request.body) } catch {
            return malformed(request, as: "DeliveryReceipt", error)
        }
        let recorder: DeliveryRecorder
        switch self.recorder {
        case nil: return BusReply(id: request.id, error: "chain not enabled: no deliveries to record")
        case .failure(let failure)?: return BusReply(id: request.id, error: failure.description)
        case .success(let value)?: recorder = value
        }
        do {
            let recorded = try await recorder.record(body)
            if recorded > 0 {
                logger.info("earnings recorded", metadata: [
                    "subscription": "\(body.subscriptionID)", "interval": "\(body.interval)", "payments": "\(recorded)"])
            }
            return BusReply(id: request.id, body: BusBody.encode(PaymentRecordResult(recorded: recorded)))
        } catch {
            return BusReply(id: request.id, error: "\(error)")
        }
    }

    private func earnings(_ request: BusRequest) async -> BusReply {
        guard case .success(let recorder)? = recorder else {
            return BusReply(id: request.id, error: "no payments ledger (chain not enabled or the ledger could not be opened)")
        }
        do {
            let byToken = try await recorder.ledger.totalsByToken().mapValues { String($0) }
            let bySubscription = try await recorder.ledger.totalsBySubscription()
            return BusReply(id: request.id, body: BusBody.encode(EarningsSummary(byToken: byToken, bySubscription: bySubscription)))
        } catch {
            return BusReply(id: request.id, error: "cannot read the payments ledger: \(error)")
        }
    }

    private func malformed(_ request: BusRequest, as type: String, _ error: any Error) -> BusReply {
        BusReply(id: request.id, error: "malformed \(request.method) body: expected a \(type) JSON object (\(Self.describe(error)))")
    }

    /// A short account of a decoding error: which field is missing or mistyped.
    static func describe(_ error: any Error) -> String {
        guard let decoding = error as? DecodingError else { return "\(error)" }
        func path(_ keys: [any CodingKey]) -> String { keys.map(\.stringValue).joined(separator: ".") }
        switch decoding {
        case .keyNotFound(let key, let context): return "missing field '\(path(context.codingPath + [key]))'"
        case .typeMismatch(_, let context): return "field '\(path(context.codingPath))' has the wrong type"
        case .valueNotFound(_, let context): return "field '\(path(context.codingPath))' is null"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "not valid JSON" : "field '\(path(context.codingPath))' is invalid"
        @unknown default: return "\(error)"
        }
    }
}

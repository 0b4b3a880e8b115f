import BigInt
import BusContract
import EVM
import InfernetSDK
import Foundation
import InfernetCore
import Logging

/// One delivery, from payment check to a signed transaction: payment -> inputs -> compute ->
/// serialise -> simulate -> send. Shared by subscriptions and delegated subscriptions, which
/// differ only in where the inputs come from and which Coordinator function delivers.
public struct DeliveryPipeline: Sendable {
    public let chain: ChainContext
    public let compute: any ComputeService
    public let payments: any PaymentService
    public let transactions: TransactionManager
    let logger: Logger

    public init(chain: ChainContext, compute: any ComputeService, payments: any PaymentService,
                transactions: TransactionManager, logger: Logger) {
        self.chain = chain
        self.compute = compute
        self.payments = payments
        self.transactions = transactions
        self.logger = logger
    }

    /// What to deliver: a subscription's interval, its containers, and how to build the calldata.
    public struct Job: Sendable {
        public var jobID: String
        public var subscriptionID: UInt32
        public var subscription: Subscription
        public var interval: UInt32
        public var containers: [String]
        /// Where the first container's input comes from.
        public var input: Input
        public var link: TransactionLink
        public var calldata: @Sendable (OnchainOutput) throws -> Data
    }

    public enum Input: Sendable {
        /// `getContainerInputs(id, interval, timestamp, node)` on the consumer (source ONCHAIN).
        case consumer(timestamp: UInt64)
        /// A delegated request's `data` object, as JSON text (source OFFCHAIN).
        case offchain(String)
    }

    /// Runs the job; returns the sent transaction or throws `DeliveryError`.
    public func deliver(_ job: Job, head: UInt64) async throws -> TransactionRecord {
        let clock = ContinuousClock()
        let t0 = clock.now  // stage times for the debug log below
        try await checkPayment(job, head: head)
        let t1 = clock.now
        let data = try await inputData(job)
        let t2 = clock.now
        let request = ComputeRequest(
            jobID: job.jobID, containers: job.containers, data: data,
            requiresProof: job.subscription.verifier != .zero, source: job.input.source, destination: .onchain)
        let result: ComputeResult
        do {
            result = try await compute.run(request, timeout: chain.computeTimeout.timeout(containers: job.containers))
        } catch {
            throw DeliveryError.computeFailed(container: job.containers.joined(separator: ","), error: "\(error)")
        }
        let t3 = clock.now
        let output = try DeliveryOutput.serialize(result)
        let calldata = try job.calldata(output)
        let gasLimit = try await simulate(calldata)
        let t4 = clock.now
        let sent = try await transactions.send(
            TransactionIntent(to: chain.addresses.coordinator, data: calldata, gasLimit: gasLimit,
                              purpose: "deliver \(job.subscriptionID)/\(job.interval)", link: job.link),
            head: head)
        let t5 = clock.now
        // Where a delivery's time goes (issue 14's per-stage breakdown), at debug level.
        logger.debug("delivery stages", metadata: [
            "subscription": "\(job.subscriptionID)/\(job.interval)", "payment_ms": "\(Self.milliseconds(t0, t1))",
            "inputs_ms": "\(Self.milliseconds(t1, t2))", "compute_ms": "\(Self.milliseconds(t2, t3))",
            "simulation_ms": "\(Self.milliseconds(t3, t4))", "send_ms": "\(Self.milliseconds(t4, t5))",
        ])
        return sent
    }

    private static func milliseconds(_ start: ContinuousClock.Instant, _ end: ContinuousClock.Instant) -> String {
        String(format: "%.1f", Double((end - start) / .microseconds(1)) / 1_000)
    }

    /// The payment worker decides (allowed owners, tokens, minimums, wallets, proof collateral);
    /// an approval it asks for goes out through this node's signer before the delivery.
    private func checkPayment(_ job: Job, head: UInt64) async throws {
        let decision = try await payments.check(PaymentCheckRequest(
            subscriptionID: job.subscriptionID, subscription: job.subscription,
            containers: job.containers))
        guard decision.accepted else { throw DeliveryError.paymentRefused(decision.reason ?? "no reason given") }
        if let approval = decision.approval {
            let intent = TransactionIntent(approval, gasLimit: chain.maxGasLimit)
            let sent = try await transactions.send(intent, head: head)
            let mined = try await transactions.waitUntilMined(nonce: sent.nonce)
            guard mined.succeeded == true else {
                throw DeliveryError.paymentRefused("the collateral approval \(mined.hash.hexString) failed")
            }
        }
    }

    private func inputData(_ job: Job) async throws -> String {
        switch job.input {
        case .offchain(let data): return data
        case .consumer(let timestamp):
            let consumer = ConsumerContract(address: job.subscription.owner, caller: chain.batcher)
            do {
                let inputs = try await consumer.containerInputs(
                    subscriptionID: job.subscriptionID, interval: job.interval, timestamp: UInt32(clamping: timestamp),
                    caller: chain.node)
                return DeliveryOutput.inputData(inputs)
            } catch let error as RPCError {
                // Only the consumer's own answer judges the delivery; an unreachable chain is
                // rethrown as it is, so it costs no attempt (`DeliveryOutcome.unreachable`).
                if case .server = error { throw DeliveryError.inputsUnavailable("\(error)") }
                if case .invalidResponse = error { throw DeliveryError.inputsUnavailable("\(error)") }
                throw error
            } catch {
                throw DeliveryError.inputsUnavailable("\(error)")
            }
        }
    }

    /// Simulates the delivery from the node with `eth_estimateGas` (a revert answers with the
    /// same revert data `eth_call` would give, and a success gives the gas in the same call);
    /// returns the gas limit to send with: the estimate + 25 %, at most `max_gas_limit`. A revert
    /// named in `allowed_sim_errors` is sent anyway with `max_gas_limit`.
    private func simulate(_ calldata: Data) async throws -> UInt64 {
        let call = CallRequest(from: chain.node, to: chain.addresses.coordinator, data: calldata)
        do {
            let estimate = try await chain.batcher.estimateGas(call)
            return min(chain.maxGasLimit, estimate + estimate / 4)
        } catch let error as RPCError {
            guard let reason = error.revertReason else { throw error }
            if let name = reason.customErrorName, chain.allowedSimulationErrors.contains(name) {
                logger.notice("simulation reverted with an allowed error; sending anyway", metadata: ["error": "\(reason)"])
                return chain.maxGasLimit
            }
            throw DeliveryError.simulationReverted(reason.description, retryable: reason.customErrorName == nil)
        }
    }
}

extension DeliveryPipeline.Input {
    var source: Location {
        switch self {
        case .consumer: .onchain
        case .offchain: .offchain
        }
    }
}

extension TransactionIntent {
    /// A transaction asked for over the bus.
    init(_ message: TransactionMessage, gasLimit: UInt64) {
        self.init(to: message.to, data: message.data, value: message.value, gasLimit: gasLimit, purpose: message.purpose)
    }
}

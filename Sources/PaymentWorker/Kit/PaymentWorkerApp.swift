import BusContract
import EVM
import Foundation
import InfernetCore
import Logging
import WorkerKit

/// The payment worker process: joins the bus as service "payment" and serves payment checks,
/// delivery receipts and the earnings ledger (`PaymentRequestHandler`).
public struct PaymentWorkerApp {
    public let options: WorkerOptions

    public init(options: WorkerOptions) { self.options = options }

    public func run() async throws {
        try await WorkerProcess(service: .payment, options: options) { config, logger in
            Self.handler(config: config, logger: logger).router
        }.run()
    }

    /// The handler for a config. With the chain disabled, checks are refused ("chain not
    /// enabled"); a ledger that cannot be opened only disables recording, not checks.
    public static func handler(config: NodeConfig, logger: Logger) -> PaymentRequestHandler {
        guard config.chain.enabled else {
            logger.info("chain disabled (chain.enabled is false): payment checks answer 'chain not enabled'")
            return PaymentRequestHandler(checker: nil, recorder: nil, logger: logger)
        }
        // Required and parsed at config load when the chain is enabled.
        guard let registry = config.chain.registryAddress else {
            logger.error("chain.registry_address is not set; payment checks cannot read the chain")
            let failure = PaymentRequestHandler.SetupFailure("chain.registry_address is not set")
            return PaymentRequestHandler(checker: nil, recorder: .failure(failure), unavailableReason: failure.description,
                                         logger: logger)
        }
        let chain = RPCPaymentChain(rpc: JSONRPCClient(endpoints: config.chain.rpcURLs),
                                    registry: registry)
        // Only the derived address is kept; the key itself never leaves the config.
        let node = config.chain.wallet.privateKey?.address
        let checker = PaymentChecker(policy: PaymentPolicy(config: config), chain: chain, nodeAddress: node)
        let nodeWallet = config.chain.wallet.paymentAddress
        let path = PaymentLedger.path(dataDirectory: config.node.dataDirectory)
        let recorder = Result { () throws(PaymentRequestHandler.SetupFailure) -> DeliveryRecorder in
            do {
                return DeliveryRecorder(chain: chain, ledger: try PaymentLedger(path: path), nodeWallet: nodeWallet)
            } catch {
                logger.error("cannot open the payments ledger", metadata: ["path": "\(path)", "error": "\(error)"])
                throw PaymentRequestHandler.SetupFailure("cannot open the payments ledger at \(path): \(error)")
            }
        }
        logger.info("payment worker ready", metadata: [
            "node": "\(node.map(\.checksummed) ?? "none")", "payment_address": "\(nodeWallet.map(\.checksummed) ?? "none")"])
        return PaymentRequestHandler(checker: checker, recorder: recorder, logger: logger)
    }
}

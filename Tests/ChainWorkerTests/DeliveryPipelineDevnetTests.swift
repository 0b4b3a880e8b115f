import BusContract
@testable import ChainWorker
import EVM
import InfernetSDK
import Foundation
import InfernetCore
import Logging
import TestSupport
import XCTest

/// The delivery pipeline on its own against the devnet, with a stand-in compute worker: a
/// delivery goes out and is mined; delivering the same interval again fails simulation with the
/// Coordinator's `IntervalCompleted`, decoded, final; listed in `allowed_sim_errors` it is
/// sent anyway with `max_gas_limit`.
final class DeliveryPipelineDevnetTests: DevnetTestCase {
    struct EchoCompute: ComputeService, PaymentService {
        func run(_ request: ComputeRequest, timeout: Double) async throws -> ComputeResult {
            ComputeResult(jobID: request.jobID, outcomes: [ContainerOutcome(container: request.containers[0],
                                                                            output: #"{"echo": \#(request.data)}"#)])
        }
        func check(_ request: PaymentCheckRequest) async throws -> PaymentDecision { PaymentDecision(accepted: true) }
        func record(_ receipt: DeliveryReceipt) async throws {}
    }

    private func pipeline(allowed: [String], key: PrivateKey, directory: URL) async throws -> DeliveryPipeline {
        let devnet = try devnet()
        var config = NodeConfig()
        config.chain.enabled = true
        config.chain.wallet.allowedSimErrors = allowed
        config.chain.wallet.maxGasLimit = 1_234_567
        config.containers = [try XCTUnwrap(NodeConfig.parse(Array(#"{"containers": [{"id": "p", "url": "http://127.0.0.1:1"}]}"#.utf8)).containers.first)]
        let rpc = JSONRPCClient(urls: [devnet.rpcURL])
        let addresses = try await RegistryContract(address: try XCTUnwrap(devnet.addresses["registry"]), caller: rpc).addresses()
        let context = try ChainContext(rpc: rpc, addresses: addresses, node: key.address, config: config)
        let store = try ChainStore(path: directory.appendingPathComponent("chain-\(allowed.count).sqlite").path)
        let transactions = TransactionManager(key: key, chain: rpc, store: store, settings: TransactionSettings(),
                                              logger: Logger(label: "test"))
        return DeliveryPipeline(chain: context, compute: EchoCompute(), payments: EchoCompute(), transactions: transactions,
                                logger: Logger(label: "test"))
    }

    private func job(id: UInt32, subscription: Subscription) -> DeliveryPipeline.Job {
        DeliveryPipeline.Job(
            jobID: "t-\(id)", subscriptionID: id, subscription: subscription, interval: 1, containers: ["p"],
            input: .consumer(timestamp: 0), link: .delivery(IntervalKey(subscriptionID: id, interval: 1)),
            calldata: { output in
                try CoordinatorContract.deliverComputeCalldata(subscriptionID: id, interval: 1, output: output, nodeWallet: .zero)
            })
    }

    func testAllowedSimulationErrorIsSentAnywayWithTheMaximumGas() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pipe-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let devnet = try devnet()
        let client = try devnetClient()
        let key = try DevnetClient.key(6)
        let request = try ABIFunction("requestCompute(string,bytes,uint16,address,uint256,address,address)")
        let receipt = try await client.send(from: try DevnetClient.key(3), to: try XCTUnwrap(devnet.addresses["callbackConsumer"]),
                                            request, [.string("p"), .bytes(Data("in".utf8)), .uint(1), .address(.zero),
                                                      .uint(0), .address(.zero), .address(.zero)])
        let id = try XCTUnwrap(DevnetClient.createdSubscriptionID(receipt))
        let subscription = try await CoordinatorContract(address: try XCTUnwrap(devnet.addresses["coordinator"]),
                                                         caller: client.rpc).subscription(id)

        let strict = try await pipeline(allowed: [], key: key, directory: directory)
        let first = try await strict.deliver(job(id: id, subscription: subscription), head: 0)
        let mined = try await client.rpc.transactionReceipt(first.hash)
        XCTAssertEqual(mined?.succeeded, true)
        XCTAssertLessThan(first.intent.gasLimit, 1_234_567, "estimate + 25 %, not the maximum")

        do {
            _ = try await strict.deliver(job(id: id, subscription: subscription), head: 0)
            XCTFail("a second delivery of the interval must not simulate")
        } catch let error as DeliveryError {
            XCTAssertTrue(error.description.contains("IntervalCompleted"), error.description)
            XCTAssertTrue(error.isPermanent, "a Coordinator error is final")
        }

        let lenient = try await pipeline(allowed: ["IntervalCompleted"], key: key, directory: directory)
        let forced = try await lenient.deliver(job(id: id, subscription: subscription), head: 0)
        XCTAssertEqual(forced.intent.gasLimit, 1_234_567)
        let reverted = try await client.rpc.transactionReceipt(forced.hash)
        XCTAssertEqual(reverted?.succeeded, false, "sent anyway, and the chain refused it")
    }
}

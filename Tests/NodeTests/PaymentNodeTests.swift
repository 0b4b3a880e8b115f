import BigInt
import BusContract
import EVM
import Foundation
import InfernetSDK
import InfernetCore
import Logging
import TestSupport
import XCTest

/// The payment worker inside the real node, and the operator's `wallet` commands on the real
/// `infernet-node` binary.
final class PaymentNodeTests: XCTestCase {
    /// With the chain enabled the supervisor starts the payment worker; it answers checks over
    /// the bus. The RPC is dead on purpose: free subscriptions and static refusals need no chain.
    func testPaymentChecksOverTheBus() async throws {
        let zero = "0x" + String(repeating: "0", count: 40)
        let chain = """
            "chain": {"enabled": true, "rpc_url": "http://127.0.0.1:9", "registry_address": "\(zero)",
                      "wallet": {"private_key": "0x\(String(repeating: "0", count: 63))1"}}
            """
        let node = try NodeHarness(containers: [NodeHarness.helloContainer(id: "hello")], extraTopLevel: chain)
        try await node.start()
        defer { node.stop() }
        let client = try BusPeer(
            options: .init(endpoint: "ipc://\(node.directory.path)/var/bus.ipc", identity: "payment-test",
                           announcement: PeerAnnouncement(service: BusService("payment-test"), pid: 0)),
            logger: Logger(label: "payment-test"))
        try client.start()
        defer { client.stop() }
        // keccak256(abi.encode("hello")): the containerId of a subscription for ["hello"].
        let hello = try Hex.decode("0x984002fcc0ca639f96622add24c2edd2fe72c65e71ca3faa243e091e0bc7cdab", count: 32)
        func check(amount: BigUInt) async throws -> PaymentDecision {
            let request = PaymentCheckRequest(subscriptionID: 1, subscription: Subscription(
                owner: try Address(hex: "0x" + String(repeating: "a", count: 40)), activeAt: 0, period: 0, frequency: 1,
                redundancy: 1, containerID: hello, lazy: false, paymentAmount: amount),
                containers: ["hello"])
            return try await client.call(Methods.payment.check, request, id: "check-\(amount)", timeout: .seconds(20))
        }
        let free = try await check(amount: 0)
        XCTAssertEqual(free, PaymentDecision(accepted: true))
        let paying = try await check(amount: 5)
        XCTAssertEqual(paying, PaymentDecision(accepted: false, reason: "payment_address not configured"))
        do {
            _ = try await client.send(BusRequest(id: "bad", service: .payment, method: Methods.payment.check.name, body: "]["),
                                      timeout: .seconds(10))
            XCTFail("a malformed body must get an error reply")
        } catch {
            XCTAssertEqual(error, .failed(BusFailure(
                .badRequest, "malformed payment.check body: expected a PaymentCheckRequest JSON object (not valid JSON)")))
        }
    }

    /// `infernet-node wallet …` is a subcommand group beside the default `run`; a config without
    /// a key is refused with the key's name and exit status 1.
    func testWalletCommandNamesTheMissingKey() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("wallet-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("config.json")
        try #"{"chain": {"rpc_url": "http://127.0.0.1:9"}}"#.write(to: config, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: NodeHarness.builtProducts + "/infernet-node")
        process.arguments = ["wallet", "balances", "--config", config.path]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 1)
        XCTAssertTrue(message.contains("chain.wallet.private_key"), message)
    }
}

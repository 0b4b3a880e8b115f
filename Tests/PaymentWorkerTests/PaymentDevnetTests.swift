import BusContract
import EVM
import InfernetSDK
import Foundation
import InfernetCore
import Logging
@testable import PaymentWorker
import TestSupport
import XCTest

/// The payment worker against the project's devnet (py-evm + the Vyper SDK contracts): Wallets
/// made with the operator commands, funded and approved, payment checks answered from the chain,
/// a paid delivery recorded in the ledger, withdrawals and decoded reverts.
final class PaymentDevnetTests: DevnetTestCase {

    private func key(_ index: Int) throws -> PrivateKey { try DevnetClient.key(index) }

    /// A node config for `key` on the devnet, with container "a" asking 10 of the test token.
    private func config(key: PrivateKey, paymentAddress: Address?, dataDirectory: String) throws -> NodeConfig {
        let devnet = try devnet()
        var config = NodeConfig()
        config.chain.enabled = true
        config.chain.rpcURL = URL(string: devnet.rpcURL)
        config.chain.registryAddress = try XCTUnwrap(devnet.addresses["registry"])
        config.chain.wallet.privateKey = SecretKey(key)
        config.chain.wallet.paymentAddress = paymentAddress
        var container = ContainerConfig(id: "a")
        container.acceptedPayments = [try XCTUnwrap(devnet.addresses["token"]): 10]
        config.containers = [container]
        config.node.dataDirectory = dataDirectory
        return config
    }

    private func check(_ handler: PaymentRequestHandler, amount: BigUInt, token: Address, owner: Address, wallet: Address,
                       verifier: Address = .zero) async throws -> PaymentDecision {
        let request = Fixture.request(containers: ["a"], amount: amount, token: token, owner: owner, wallet: wallet,
                                      verifier: verifier)
        let reply = await handler.reply(to: BusRequest(id: "c", service: .payment, method: Methods.payment.check.name,
                                                        body: BusBody.encode(request)))
        XCTAssertNil(reply.error)
        return try BusBody.decode(PaymentDecision.self, from: reply.body)
    }

    func testWalletLifecycleChecksDeliveryAndLedger() async throws {
        let devnet = try devnet()
        let rpc = JSONRPCClient(urls: [devnet.rpcURL])
        let token = try XCTUnwrap(devnet.addresses["token"])
        let factory = try XCTUnwrap(devnet.addresses["walletFactory"])
        let coordinator = try XCTUnwrap(devnet.addresses["coordinator"])
        let consumer = try XCTUnwrap(devnet.addresses["callbackConsumer"])
        let verifier = try XCTUnwrap(devnet.addresses["atomicVerifier"])
        let nodeKey = try key(5), userKey = try key(6)
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }

        // The node's Wallet and the user's, both made by the operator command.
        let (nodeWallet, created) = try await WalletCommands(config: config(key: nodeKey, paymentAddress: nil,
                                                                             dataDirectory: directory.path)).createWallet()
        XCTAssertTrue(created.succeeded)
        let factoryContract = WalletFactoryContract(address: factory, caller: rpc)
        let nodeWalletValid = try await factoryContract.isValidWallet(nodeWallet)
        XCTAssertTrue(nodeWalletValid)
        let nodeWalletOwner = try await WalletContract(address: nodeWallet, caller: rpc).owner()
        XCTAssertEqual(nodeWalletOwner, nodeKey.address)
        let user = try WalletCommands(config: config(key: userKey, paymentAddress: nil, dataDirectory: directory.path))
        let (userWallet, _) = try await user.createWallet()
        XCTAssertNotEqual(userWallet, nodeWallet)
        let userCommands = try WalletCommands(config: config(key: userKey, paymentAddress: userWallet,
                                                             dataDirectory: directory.path))
        let nodeConfig = try config(key: nodeKey, paymentAddress: nodeWallet, dataDirectory: directory.path)
        let node = try WalletCommands(config: nodeConfig)
        let handler = PaymentWorkerApp.handler(config: nodeConfig, logger: Logger(label: "test"))

        // Fund the user's Wallet with 60 tokens; the callback consumer (the subscription owner) may spend 50.
        let mint = try ABIFunction("mint(address,uint256)")
        _ = try await userCommands.sender.send("mint", to: token, data: try mint.encodeCall([.address(userWallet), .uint(BigUInt(60))]))
        _ = try await userCommands.approve(spender: consumer, token: token, amount: 50)

        let poor = try await check(handler, amount: 80, token: token, owner: consumer, wallet: userWallet)
        XCTAssertFalse(poor.accepted)
        XCTAssertTrue(poor.reason?.hasPrefix("insufficient balance") ?? false, "\(poor)")
        XCTAssertTrue(poor.reason?.contains("holds 60") ?? false, "\(poor)")
        let unapproved = try await check(handler, amount: 55, token: token, owner: consumer, wallet: userWallet)
        XCTAssertTrue(unapproved.reason?.hasPrefix("insufficient allowance") ?? false, "\(unapproved)")
        XCTAssertTrue(unapproved.reason?.contains("may spend 50") ?? false, "\(unapproved)")
        let eth = try await check(handler, amount: 55, token: .zero, owner: consumer, wallet: userWallet)
        XCTAssertEqual(eth.reason, "container 'a' does not accept payment token \(Address.zero.hex)")
        let cheap = try await check(handler, amount: 5, token: token, owner: consumer, wallet: userWallet)
        XCTAssertTrue(cheap.reason?.contains("bid 5 is below the minimum 10") ?? false, "\(cheap)")
        let notAWallet = try await check(handler, amount: 40, token: token, owner: consumer, wallet: consumer)
        XCTAssertTrue(notAWallet.reason?.contains("is not a Wallet created by the WalletFactory") ?? false, "\(notAWallet)")
        let good = try await check(handler, amount: 40, token: token, owner: consumer, wallet: userWallet)
        XCTAssertEqual(good, PaymentDecision(accepted: true))

        // Proof collateral: the node's Wallet holds tokens but has not approved the node's EOA.
        _ = try await node.sender.send("mint", to: token, data: try mint.encodeCall([.address(nodeWallet), .uint(BigUInt(100))]))
        let collateral = try await check(handler, amount: 40, token: token, owner: consumer, wallet: userWallet,
                                         verifier: verifier)
        XCTAssertTrue(collateral.accepted)
        let approval = try XCTUnwrap(collateral.approval)
        XCTAssertEqual(approval.to, nodeWallet)
        // Sending the approval the worker asked for makes the next check need none.
        _ = try await node.sender.send("approve", to: nodeWallet, data: approval.data)
        let approved = try await check(handler, amount: 40, token: token, owner: consumer, wallet: userWallet,
                                       verifier: verifier)
        XCTAssertEqual(approved, PaymentDecision(accepted: true))
        let balances = try await node.balances(tokens: [token])
        XCTAssertEqual(balances.wallet, nodeWallet)
        XCTAssertTrue(balances.walletIsValid)
        XCTAssertEqual(balances.tokens.last, WalletBalances.TokenLine(token: token, balance: 100, allowanceToNode: 40))
        XCTAssertTrue(balances.description.contains("allowance to node EOA 40 wei"), balances.description)

        // A paid delivery: the callback consumer asks for "a" paying 40 from the user's Wallet;
        // the node delivers; the ledger records what reached the node's Wallet.
        let request = try ABIFunction("requestCompute(string,bytes,uint16,address,uint256,address,address)")
        let created2 = try await userCommands.sender.send("requestCompute", to: consumer, data: try request.encodeCall([
            .string("a"), .bytes(Data("hi".utf8)), .uint(UInt16(1)), .address(token), .uint(BigUInt(40)),
            .address(userWallet), .address(.zero)]))
        let createdEvent = try XCTUnwrap(created2.logs.first { $0.topics.first == InfernetABI.Coordinator.subscriptionCreated.topic })
        let subscriptionID = try XCTUnwrap(UInt32(exactly: BigUInt(try XCTUnwrap(createdEvent.topics.last))))
        let delivery = try await node.sender.send("deliverCompute", to: coordinator, data: try CoordinatorContract.deliverComputeCalldata(
            subscriptionID: subscriptionID, interval: 1, output: OnchainOutput(input: Data("hi".utf8), output: Data("ok".utf8)),
            nodeWallet: nodeWallet))
        let receipt = DeliveryReceipt(subscriptionID: subscriptionID, interval: 1, transactionHash: delivery.transactionHash.hexString,
                                      containers: ["a"], paymentToken: token)
        let recordReply = await handler.reply(to: BusRequest(id: "r", service: .payment, method: Methods.payment.record.name,
                                                             body: BusBody.encode(receipt)))
        XCTAssertNil(recordReply.error)
        XCTAssertEqual(try BusBody.decode(PaymentRecordResult.self, from: recordReply.body).recorded, 1)
        let fee = try await FeeContract(address: try XCTUnwrap(devnet.addresses["fee"]), caller: rpc).fee()
        let expected = BigUInt(40) - BigUInt(40) * 2 * BigUInt(fee) / 10_000
        let ledger = try PaymentLedger(path: PaymentLedger.path(dataDirectory: directory.path))
        let totals = try await ledger.totalsByToken()
        XCTAssertEqual(totals, [token.hex: expected])
        let walletAfter = try await RPCPaymentChain.balance(of: nodeWallet, token: token, rpc: rpc)
        XCTAssertEqual(walletAfter, 100 + expected, "the ledger matches what the Wallet received")

        // Withdraw to the node's EOA; too much reverts with the SDK error, decoded.
        let withdrawn = try await node.withdraw(token: token, amount: 30)
        XCTAssertTrue(withdrawn.succeeded)
        let eoaTokens = try await RPCPaymentChain.balance(of: nodeKey.address, token: token, rpc: rpc)
        XCTAssertEqual(eoaTokens, 30)
        do throws(WalletCommandError) {
            _ = try await node.withdraw(token: token, amount: 1_000_000)
            XCTFail("withdrawing more than the Wallet holds must fail")
        } catch {
            guard case .wouldRevert(let action, let reason) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(action, "withdraw")
            XCTAssertTrue(reason.contains("InsufficientFunds"), reason)
        }
        // Only the owner may approve on a Wallet.
        let intruder = try WalletCommands(config: config(key: userKey, paymentAddress: nodeWallet, dataDirectory: directory.path))
        do {
            _ = try await intruder.approve(spender: userKey.address, token: token, amount: 1)
            XCTFail("a non-owner's approve must fail")
        } catch {
            XCTAssertTrue(error.description.contains("Unauthorized"), error.description)
        }
    }

    func testCommandErrorsNameTheProblemWithoutTheKey() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var config = try config(key: try key(7), paymentAddress: nil, dataDirectory: directory.path)
        let commands = try WalletCommands(config: config)
        do throws(WalletCommandError) {
            _ = try await commands.withdraw(token: .zero, amount: 1)
            XCTFail("withdraw needs payment_address")
        } catch {
            XCTAssertEqual(error, .missingPaymentAddress)
        }
        let balances = try await commands.balances()
        XCTAssertNil(balances.wallet)
        XCTAssertGreaterThan(balances.nodeETH, 0, "prefunded devnet key")
        XCTAssertTrue(balances.description.contains("payment_address not configured"))

        let secret = try XCTUnwrap(config.chain.wallet.privateKey).privateKey.rawValue.bareHexString
        config.chain.rpcURL = URL(string: "http://127.0.0.1:9")  // discard port: nothing listens
        do throws(WalletCommandError) {
            _ = try await WalletCommands(config: config).balances()
            XCTFail("expected an unreachable RPC")
        } catch {
            guard case .rpcUnreachable(let url, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(url, "http://127.0.0.1:9")
            XCTAssertFalse(error.description.contains(secret))
        }
        // An invalid key never reaches here: the config refuses it at load (NodeConfigTests).
        config.chain.wallet.privateKey = nil
        XCTAssertThrowsError(try WalletCommands(config: config)) { XCTAssertEqual($0 as? WalletCommandError, .missingPrivateKey) }
    }
}

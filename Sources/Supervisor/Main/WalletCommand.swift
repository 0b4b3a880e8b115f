import ArgumentParser
import EVM
import Foundation
import InfernetCore
import PaymentWorker

/// `infernet-node wallet …`: the operator's commands for the node's payment Wallet. Each loads
/// the node's config (for the key, RPC and registry), signs locally and waits for the receipt.
struct WalletGroup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wallet", abstract: "Create and manage the node's payment Wallet.",
        subcommands: [Create.self, Balances.self, Approve.self, Withdraw.self])

    struct ConfigOption: ParsableArguments {
        @Option(help: "Path to config.json (else INFERNET_CONFIG_PATH, else config.json).")
        var config: String?

        /// The commands, or an exit with the problem named (never the key).
        func commands() throws -> WalletCommands {
            let path = NodeConfig.resolvePath(config)
            do {
                return try WalletCommands(config: try NodeConfig.load(path: path))
            } catch {
                throw WalletGroup.fail("\(error)")
            }
        }
    }

    static func fail(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("infernet-node wallet: \(message)\n".utf8))
        return ExitCode(1)
    }

    static func run<T>(_ body: () async throws(WalletCommandError) -> T) async throws -> T {
        do { return try await body() } catch { throw fail("\(error)") }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a Wallet owned by the node's EOA (WalletFactory.createWallet) and print its address.")
        @OptionGroup var options: ConfigOption

        func run() async throws {
            let commands = try options.commands()
            let (wallet, transaction) = try await WalletGroup.run { () async throws(WalletCommandError) in
                try await commands.createWallet()
            }
            print(transaction)
            print("wallet \(wallet.checksummed) created, owned by \(commands.nodeAddress.checksummed)")
            print("set chain.wallet.payment_address to \(wallet.checksummed) in the config")
        }
    }

    struct Balances: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the node EOA's ETH and the payment Wallet's balances and allowances to the node EOA.")
        @OptionGroup var options: ConfigOption
        @Option(name: .customLong("token"), help: "An ERC-20 token to report besides ETH (repeatable).")
        var tokens: [String] = []

        func run() async throws {
            let commands = try options.commands()
            let balances = try await WalletGroup.run { () async throws(WalletCommandError) in
                let addresses = try tokens.map { (text) throws(WalletCommandError) in try WalletCommands.address(text, key: "--token") }
                return try await commands.balances(tokens: addresses)
            }
            print(balances)
        }
    }

    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set what a spender may take from the payment Wallet (Wallet.approve; overwrites the allowance).")
        @OptionGroup var options: ConfigOption
        @Option(help: "The spender (for proof collateral: the node's own EOA).") var spender: String
        @Option(help: "The token (0x000…0 for ETH).") var token: String
        @Option(help: "The allowance, in wei.") var amount: String

        func run() async throws {
            let commands = try options.commands()
            let summary = try await WalletGroup.run { () async throws(WalletCommandError) in
                try await commands.approve(spender: try WalletCommands.address(spender, key: "--spender"),
                                           token: try WalletCommands.address(token, key: "--token"),
                                           amount: try WalletCommands.amount(amount))
            }
            print(summary)
        }
    }

    struct Withdraw: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Withdraw from the payment Wallet to its owner (Wallet.withdraw; unlocked funds only).")
        @OptionGroup var options: ConfigOption
        @Option(help: "The token (0x000…0 for ETH).") var token: String
        @Option(help: "The amount, in wei.") var amount: String

        func run() async throws {
            let commands = try options.commands()
            let summary = try await WalletGroup.run { () async throws(WalletCommandError) in
                try await commands.withdraw(token: try WalletCommands.address(token, key: "--token"),
                                            amount: try WalletCommands.amount(amount))
            }
            print(summary)
        }
    }
}

import ArgumentParser
import Foundation
import InfernetCore
import Supervisor

/// `infernet-node`: the Infernet node's supervisor.
@main
struct NodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infernet-node", abstract: "Infernet node (Swift): supervisor of the gateway, compute, chain and payment workers",
        subcommands: [Run.self, WalletGroup.self], defaultSubcommand: Run.self)

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run the node (the default).")

        @Option(help: "Path to config.json (else INFERNET_CONFIG_PATH, else config.json).")
        var config: String?

        func run() async throws {
            ProcessBootstrap.start(process: "infernet-node")
            do {
                try await NodeRunner(configPath: NodeConfig.resolvePath(config)).run()
            } catch let exit as SupervisorExit {
                FileHandle.standardError.write(Data("infernet-node: \(exit)\n".utf8))
                throw ExitCode(70)
            }
        }
    }
}

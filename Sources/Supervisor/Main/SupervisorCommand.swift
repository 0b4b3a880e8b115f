import ArgumentParser
import Foundation
import InfernetCore
import Supervisor
import WorkerKit

/// `infernet-node`: the Infernet node's supervisor.
@main
struct NodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infernet-node", abstract: "Infernet node (Swift): supervisor of the gateway, compute, chain and payment workers",
        subcommands: [Run.self, WalletGroup.self, ExecChild.self, WorkerGroup.self], defaultSubcommand: Run.self)

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run the node (the default).")

        @Option(help: "Path to config.json (else INFERNET_CONFIG_PATH, else config.json).")
        var config: String?

        func run() async throws {
            ProcessBootstrap.start(process: "infernet-node", loops: .one)
            // A setting that cannot work: EX_CONFIG, so systemd does not restart it in a loop.
            try await WorkerMain.reportingConfigErrors(process: "infernet-node") {
                do {
                    try await NodeRunner(configPath: NodeConfig.resolvePath(config)).run()
                } catch let exit as SupervisorExit {
                    FileHandle.standardError.write(Data("infernet-node: \(exit)\n".utf8))
                    throw ExitCode(70)
                }
            }
        }
    }

    /// The shim the supervisor runs local `command` containers through: they are not our code,
    /// so the shim arms the parent-death signal and then becomes the container's command.
    struct ExecChild: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "exec-child", abstract: "Run a command that dies with its parent (used by the node itself).",
            shouldDisplay: false)

        @Option(help: "The PID of the parent the command must die with.")
        var parent: Int32

        @Argument(parsing: .captureForPassthrough, help: "The command and its arguments (after --).")
        var command: [String] = []

        func run() throws {
            let arguments = command.first == "--" ? Array(command.dropFirst()) : command
            ParentWatch.exec(arguments, expectedParent: parent)
        }
    }
}

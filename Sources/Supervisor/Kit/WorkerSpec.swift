import Foundation
import InfernetBus
import InfernetCore

/// One worker process the supervisor keeps running.
public struct WorkerSpec: Sendable, Equatable {
    /// Also the worker's bus identity, stable across restarts.
    public var name: String
    public var executable: String
    public var arguments: [String]

    public init(name: String, executable: String, arguments: [String]) {
        self.name = name
        self.executable = executable
        self.arguments = arguments
    }

    /// Which executable file the workers run from.
    public enum Launch: Sendable, Equatable {
        /// `SUPERVISOR worker infernet-gateway …`: every worker is its own process (as before),
        /// started from the supervisor's own executable, which links every worker's code. The
        /// processes then map one file: its code pages are in memory once and shared, instead
        /// of once per separately linked executable (each ~10–15 MiB of code resident; PSS).
        case shared(executable: String)
        /// `BIN/infernet-gateway …`: the separate executables (an operator's remote compute
        /// worker runs these too). `INFERNET_WORKER_EXECUTABLES=separate`.
        case separate(binDirectory: String)

        /// The environment variable that selects `.separate`.
        public static let variable = "INFERNET_WORKER_EXECUTABLES"

        /// `.separate` when `INFERNET_WORKER_EXECUTABLES=separate`, else `.shared` from this
        /// process's own executable.
        public static func fromEnvironment(
            _ environment: [String: String] = ProcessInfo.processInfo.environment, binDirectory: String
        ) -> Launch {
            if environment[variable] == "separate" { return .separate(binDirectory: binDirectory) }
            let own = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
            return .shared(executable: own)
        }
    }

    /// The subcommand of the supervisor's executable that runs a worker (`worker infernet-compute`).
    public static let workerSubcommand = "worker"

    /// The workers a config asks for: the gateway, N compute workers, and the chain and payment
    /// workers when the chain is enabled.
    public static func workers(for config: NodeConfig, configPath: String, endpoint: String, launch: Launch) -> [WorkerSpec] {
        func spec(_ name: String, _ executable: String) -> WorkerSpec {
            let options = ["--config", configPath, "--bus", endpoint, "--identity", name]
            switch launch {
            case .shared(let path):
                return WorkerSpec(name: name, executable: path, arguments: [workerSubcommand, executable] + options)
            case .separate(let binDirectory):
                return WorkerSpec(name: name, executable: binDirectory + "/" + executable, arguments: options)
            }
        }
        var specs = [spec(BusService.gateway.rawValue, "infernet-gateway")]
        if config.node.computeWorkers > 0 {
            specs += (1...config.node.computeWorkers).map { spec("\(BusService.compute)-\($0)", "infernet-compute") }
        }
        if config.chain.enabled {
            specs += [spec(BusService.chain.rawValue, "infernet-chain"), spec(BusService.payment.rawValue, "infernet-payment")]
        }
        return specs
    }

    /// The directory of the running executable, where the worker executables are installed too.
    public static func defaultBinDirectory() -> String {
        if let override = ProcessInfo.processInfo.environment["INFERNET_BIN_DIR"], !override.isEmpty { return override }
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: executable).deletingLastPathComponent().path
    }
}

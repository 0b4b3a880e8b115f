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

    /// The workers a config asks for: the gateway, N compute workers, and the chain and payment
    /// workers when the chain is enabled. Executables are looked up in `binDirectory`.
    public static func workers(for config: NodeConfig, configPath: String, endpoint: String, binDirectory: String) -> [WorkerSpec] {
        func spec(_ name: String, _ executable: String) -> WorkerSpec {
            WorkerSpec(name: name, executable: binDirectory + "/" + executable,
                       arguments: ["--config", configPath, "--bus", endpoint, "--identity", name])
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

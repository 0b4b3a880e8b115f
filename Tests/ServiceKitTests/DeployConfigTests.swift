import Foundation
import InfernetCore
import Testing

/// The configs shipped in deploy/ load without errors or unknown-key warnings.
@Suite("deploy/ configs")
struct DeployConfigTests {
    static let deploy = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("deploy")

    @Test("config.default.json: off-chain, one hello-world command container")
    func defaultConfig() throws {
        let config = try NodeConfig.load(path: Self.deploy.appendingPathComponent("config.default.json").path)
        #expect(config.warnings.isEmpty, "\(config.warnings)")
        #expect(config.chain.enabled == false)
        #expect(config.containers.map(\.id) == ["hello-world"])
        #expect(config.containers.first?.runtime == .process(command: "infernet-hello-world"))
        #expect(config.containers.first?.port == 3000)
    }

    @Test("config.example.json: every key known, private key from the environment")
    func exampleConfig() throws {
        setenv("INFERNET_PRIVATE_KEY", "0x" + String(repeating: "11", count: 32), 1)
        let config = try NodeConfig.load(path: Self.deploy.appendingPathComponent("config.example.json").path)
        #expect(config.warnings.isEmpty, "\(config.warnings)")
        #expect(config.chain.enabled)
        #expect(config.chain.extraRPCURLs.count == 2)
        #expect(config.chain.wallet.privateKey?.privateKey.rawValue == Data(repeating: 0x11, count: 32))
        #expect(config.node.busEndpoint.hasPrefix("tcp://"))
        #expect(config.node.computeWorkers == 2)
        #expect(config.containers.count == 4)
        #expect(config.container(id: "remote-llm")?.runtime == .remote(url: "http://10.0.0.7:3000"))
    }
}

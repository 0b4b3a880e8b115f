import EVM
import Foundation
import InfernetCore
import TestSupport
import XCTest

/// Secrets stay out of every log line at trace level while the node really works on chain
/// (issue 10): the RPC URL carries user, password and a key in its path (the devnet ignores
/// them), the container's env an API key and the bearer; a consumer request is delivered.
final class OnchainSecretsTests: DevnetTestCase {
    func testTraceLogsHoldNoSecretThroughAnOnchainDelivery() async throws {
        let scenario = OnchainScenario(devnet: try devnet())
        let (_, addresses, url) = try scenario.chain()
        let port = try XCTUnwrap(URLComponents(string: url)?.port)
        let apiKey = "sk-onchain-planted-61c0ffee"
        let bearer = "onchain-bearer-planted-a9"
        let (user, password, pathKey) = ("rpc-user-planted", "rpc-pass-planted-3e", "path-key-planted-77")
        let key = try DevnetClient.key(6)
        let privateKey = key.rawValue.hexString.hasPrefix("0x") ? key.rawValue.hexString : "0x" + key.rawValue.hexString
        let helloPort = NodeHarness.freePort()
        let container = #"{"id": "hello-secrets", "command": "\#(NodeHarness.builtProducts)/infernet-hello-world --port \#(helloPort)", "#
            + #""port": \#(helloPort), "bearer": "\#(bearer)", "env": {"SERVICE_BEARER": "\#(bearer)", "API_KEY": "\#(apiKey)"}}"#
        let chain = """
        "chain": {"enabled": true, "rpc_url": "http://\(user):\(password)@127.0.0.1:\(port)/v3/\(pathKey)", "trail_head_blocks": 0,
                  "registry_address": "\(try XCTUnwrap(addresses["registry"]).checksummed)",
                  "wallet": {"private_key": "\(privateKey)"},
                  "snapshot_sync": {"sleep": 0, "sync_period": 0.1}}
        """
        let node = try NodeHarness(containers: [container], extraTopLevel: chain)
        try await node.start(environment: ["INFERNET_LOG_LEVEL": "trace"])
        defer { node.stop() }

        let id = try await scenario.requestCompute("callbackConsumer", container: "hello-secrets", inputs: Data("secret?".utf8))
        let (_, deliveredBy) = try await scenario.waitForDelivery(try XCTUnwrap(addresses["callbackConsumer"]), id: id, node: node)
        XCTAssertEqual(deliveredBy, key.address)
        let job = try await node.waitForResult(try await node.submit(containers: ["hello-secrets"]))
        XCTAssertEqual(job["status"]?.stringValue, "success", "\(job)")
        // The consumer can hold the result before the chain worker has seen the receipt (a fast
        // chain): wait, bounded, for the worker's own line so the delivery path is in the log.
        let deadline = ContinuousClock.now + .seconds(30)
        while !node.log.contains("delivery mined"), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        node.stop()

        let log = node.log
        for process in ["infernet-node[", "infernet-gateway[", "infernet-compute[", "infernet-chain[", "infernet-payment["] {
            XCTAssertTrue(log.contains(process), "no log line from \(process)")
        }
        XCTAssertTrue(log.contains("delivery mined"), "no delivery in the log\n\(log.suffix(3000))")
        for secret in [apiKey, bearer, user, password, pathKey, privateKey, String(privateKey.dropFirst(2))] {
            let lines = log.split(separator: "\n").filter { $0.contains(secret) }
            XCTAssertTrue(lines.isEmpty, "'\(secret)' leaked in \(lines.count) line(s), e.g.:\n\(lines.prefix(3).joined(separator: "\n"))")
        }
    }
}

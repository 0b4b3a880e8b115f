import Foundation
import InfernetCore
import TestSupport
import XCTest

final class NodeConfigurationTests: XCTestCase {
    func testRateLimitPerClient() async throws {
        let node = try NodeHarness(containers: [NodeHarness.helloContainer(id: "hello")], rateLimit: 5)
        try await node.start()
        defer { node.stop() }
        // waitUntilHealthy used some of the budget; exhaust the rest.
        var statuses: [Int] = []
        for _ in 0..<8 { statuses.append(try await node.get("/info").status) }
        XCTAssertTrue(statuses.contains(429), "\(statuses)")
        let limited = try await node.get("/info")
        XCTAssertEqual(limited.status, 429)
        XCTAssertNotNil(limited.json?["error"]?.stringValue, limited.body)
    }

    /// An infernet-node style config.json (reference keys, string ports, redis, docker) starts the node as is.
    func testReferenceStyleConfigIsAcceptedAsIs() async throws {
        let servicePort = NodeHarness.freePort()
        let node = try NodeHarness(containers: []) { port, directory in
            """
            {
              "log": {"path": "\(directory.path)/infernet_node.log", "max_file_size": 1073741824, "backup_count": 2},
              "manage_containers": true,
              "server": {"port": \(port), "rate_limit": {"num_requests": 100, "period": 100}},
              "chain": {"enabled": false, "trail_head_blocks": 0, "rpc_url": "http://host.docker.internal:8545",
                        "registry_address": "0x663F3ad617193148711d28f5334eE4Ed07016602",
                        "wallet": {"max_gas_limit": 4000000, "private_key": "", "allowed_sim_errors": []},
                        "snapshot_sync": {"sleep": 3, "batch_size": 500, "starting_sub_id": 0, "sync_period": 0.5}},
              "startup_wait": 1.0,
              "docker": {"username": "your-username", "password": ""},
              "redis": {"host": "redis", "port": 6379},
              "forward_stats": true,
              "containers": [
                {"id": "hello-world", "image": "", "url": "", "external": true, "port": "\(servicePort)",
                 "allowed_delegate_addresses": [], "allowed_addresses": [], "allowed_ips": [],
                 "command": "\(NodeHarness.builtProducts)/infernet-hello-world --port \(servicePort)", "env": {}, "volumes": [],
                 "accepted_payments": {}, "generates_proofs": false}
              ],
              "node": {"data_dir": "\(directory.path)/var"}
            }
            """
        }
        try await node.start()
        defer { node.stop() }
        let id = try await node.submit(containers: ["hello-world"])
        let job = try await node.waitForResult(id)
        XCTAssertEqual(job["status"]?.stringValue, "success", "\(job)")
        XCTAssertTrue(node.log.contains("redis"), "the ignored redis key is noted in the log")
    }

    func testConfigErrorNamesTheKeyAndExitsNonZero() async throws {
        let node = try NodeHarness(containers: [], rawConfig: { _, _ in #"{"server": {"port": "not a port"}}"# })
        try await node.start(waitForHealth: false)
        node.process?.waitUntilExit()
        XCTAssertNotEqual(node.process?.terminationStatus, 0)
        XCTAssertTrue(node.log.contains("server.port"), node.log)
    }
}


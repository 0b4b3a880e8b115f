import XCTest

@testable import InfernetCore

final class NodeConfigTests: XCTestCase {
    /// An infernet-node 1.4 style config, accepted as is.
    static let referenceConfig = #"""
    {
      "log_path": "infernet_node.log",
      "log": {"path": "infernet_node.log", "max_file_size": 1073741824, "backup_count": 2},
      "manage_containers": false,
      "server": {"port": 4000, "rate_limit": {"num_requests": 100, "period": 100}},
      "chain": {
        "enabled": true, "trail_head_blocks": 0, "rpc_url": "http://127.0.0.1:8545",
        "registry_address": "0x663F3ad617193148711d28f5334eE4Ed07016602",
        "wallet": {"max_gas_limit": 4000000, "private_key": "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
                   "payment_address": "0x60985ee8192B322c3CAbA97A9A9f7298bdc4335C", "allowed_sim_errors": ["not enough balance"]},
        "snapshot_sync": {"sleep": 3, "batch_size": 800, "starting_sub_id": 210000, "sync_period": 30}
      },
      "startup_wait": 1.0,
      "docker": {"username": "your-username", "password": ""},
      "redis": {"host": "redis", "port": 6379},
      "forward_stats": true,
      "containers": [
        {"id": "hello-world", "image": "ritualnetwork/hello-world-infernet:latest", "external": true, "port": "3000",
         "allowed_delegate_addresses": [], "allowed_addresses": [], "allowed_ips": [], "command": "--bind=0.0.0.0:3000 --workers=2",
         "env": {}, "volumes": [], "accepted_payments": {"0x0000000000000000000000000000000000000000": 1000000000000000000}, "generates_proofs": false}
      ]
    }
    """#

    func testReferenceConfigIsAccepted() throws {
        let config = try NodeConfig.parse(Array(Self.referenceConfig.utf8))
        XCTAssertTrue(config.chain.enabled)
        XCTAssertEqual(config.chain.wallet.privateKey.value.prefix(4), "0x59")
        XCTAssertEqual(config.chain.snapshotSync.startingSubID, 210000)
        XCTAssertEqual(config.server.rateLimit.numRequests, 100)
        XCTAssertEqual(config.containers.first?.port, 3000)
        XCTAssertEqual(config.containers.first?.acceptedPayments["0x0000000000000000000000000000000000000000"], "1000000000000000000")
        XCTAssertTrue(config.warnings.contains { $0.contains("redis") })
        XCTAssertTrue(config.warnings.contains { $0.contains("'log_path'") }, "\(config.warnings)")
    }

    func testPrivateKeyNeverPrinted() throws {
        let config = try NodeConfig.parse(Array(Self.referenceConfig.utf8))
        XCTAssertFalse("\(config)".contains("59c6995e"))
        XCTAssertFalse(String(reflecting: config).contains("59c6995e"))
    }

    func testErrorsNameTheKey() {
        let cases: [(String, String)] = [
            (#"{"server": {"port": "x"}}"#, "server.port"),
            (#"{"server": {"port": 70000}}"#, "server.port"),
            (#"{"containers": [{"id": "a", "url": "http://x"}, {"image": "b"}]}"#, "containers[1].id"),
            (#"{"containers": [{"id": "a", "url": "u", "allowed_ips": ["10.0.0.0/33"]}]}"#, "containers[0].allowed_ips[0]"),
            (#"{"chain": {"enabled": true, "rpc_url": "http://x", "registry_address": "0x1"}}"#, "chain.wallet.private_key"),
            (#"{"chain": {"enabled": true, "registry_address": "0x1"}}"#, "chain.rpc_url"),
            (#"{"containers": [{"id": "a", "url": "u"}, {"id": "a", "url": "v"}]}"#, "containers[1].id"),
            (#"{"node": {"bus_endpoint": "udp://x"}}"#, "node.bus_endpoint"),
            (#"{"chain": {"enabled": true, "rpc_url": "h", "registry_address": "r", "wallet": {"private_key": "0xabc"}}}"#, "chain.wallet.private_key"),
        ]
        for (text, key) in cases {
            XCTAssertThrowsError(try NodeConfig.parse(Array(text.utf8)), text) { error in
                XCTAssertEqual((error as? ConfigError)?.key, key, "\(error)")
            }
        }
    }

    func testBadKeyValueIsNotEchoed() {
        let text = #"{"chain": {"enabled": true, "rpc_url": "h", "registry_address": "r", "wallet": {"private_key": "0xdeadbeef"}}}"#
        XCTAssertThrowsError(try NodeConfig.parse(Array(text.utf8))) { error in
            XCTAssertFalse("\(error)".contains("deadbeef"))
        }
    }

    func testDuplicatePortsGetAFreePort() throws {
        let text = #"{"containers": [{"id": "a", "command": "x", "port": 3000}, {"id": "b", "command": "y", "port": 3000}]}"#
        let config = try NodeConfig.parse(Array(text.utf8))
        XCTAssertEqual(config.containers[0].port, 3000)
        XCTAssertNotEqual(config.containers[1].port, 3000)
        XCTAssertTrue(config.warnings.contains { $0.contains("port 3000") })
    }

    func testDefaults() throws {
        let config = try NodeConfig.parse(Array("{}".utf8))
        XCTAssertEqual(config.server.port, 4000)
        XCTAssertEqual(config.server.rateLimit.numRequests, 60)
        XCTAssertEqual(config.server.rateLimit.period, 60)
        XCTAssertFalse(config.chain.enabled)
        XCTAssertEqual(config.chain.snapshotSync.batchSize, 500)
        XCTAssertEqual(config.chain.wallet.maxGasLimit, 5_000_000)
        XCTAssertTrue(config.manageContainers)
        XCTAssertEqual(config.startupWait, 5.0)
    }

    func testDeliveryRetryDelayIsSecondsWithinBounds() throws {
        XCTAssertEqual(try NodeConfig.parse(Array("{}".utf8)).node.deliveryRetryDelay, .seconds(1))
        let short = try NodeConfig.parse(Array(#"{"node": {"delivery_retry_delay": 0.05}}"#.utf8))
        XCTAssertEqual(short.node.deliveryRetryDelay, .milliseconds(50))
        for bad in ["0", "-1", "3601", #""fast""#] {
            let text = #"{"node": {"delivery_retry_delay": "# + bad + "}}"
            XCTAssertThrowsError(try NodeConfig.parse(Array(text.utf8)), text) { error in
                XCTAssertEqual((error as? ConfigError)?.key, "node.delivery_retry_delay", "\(error)")
            }
        }
    }

    func testIPRanges() {
        XCTAssertTrue(IPRange("10.0.0.0/8")!.contains("10.2.3.4"))
        XCTAssertFalse(IPRange("10.0.0.0/8")!.contains("11.2.3.4"))
        XCTAssertTrue(IPRange("127.0.0.1")!.contains("::ffff:127.0.0.1"))
        XCTAssertTrue(IPRange("fe80::/10")!.contains("fe80::1"))
        XCTAssertTrue(IPRange.isPrivate("192.168.1.9"))
        XCTAssertFalse(IPRange.isPrivate("8.8.8.8"))
        XCTAssertNil(IPRange("300.1.1.1"))
    }
}

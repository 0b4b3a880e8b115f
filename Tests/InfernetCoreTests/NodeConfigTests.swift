import EVM
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
        XCTAssertEqual(config.chain.wallet.privateKey?.privateKey.rawValue.prefix(2), Data([0x59, 0xc6]))
        XCTAssertEqual(config.chain.snapshotSync.startingSubID, 210000)
        XCTAssertEqual(config.server.rateLimit.numRequests, 100)
        XCTAssertEqual(config.containers.first?.port, 3000)
        XCTAssertEqual(config.containers.first?.acceptedPayments[.zero], BigUInt("1000000000000000000"))
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
        XCTAssertEqual(config.server.rateLimit.period, .seconds(60))
        XCTAssertFalse(config.chain.enabled)
        XCTAssertEqual(config.chain.snapshotSync.batchSize, 500)
        XCTAssertEqual(config.chain.wallet.maxGasLimit, 5_000_000)
        XCTAssertTrue(config.manageContainers)
        XCTAssertEqual(config.startupWait, .seconds(5))
    }

    /// Each typed value is parsed once at load; a wrong one is refused naming its key.
    func testTypedValuesNameTheirKeyWhenWrong() {
        let key = "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"
        let zero = Address.zero.hex
        let cases: [(json: String, key: String, says: String)] = [
            (#"{"chain": {"registry_address": "0x12"}}"#, "chain.registry_address", "is not an address"),
            (#"{"chain": {"registry_address": "0x663f3ad617193148711d28f5334eE4Ed07016602"}}"#, "chain.registry_address", "EIP-55"),
            (#"{"chain": {"registry_address": 12}}"#, "chain.registry_address", "expected a string"),
            (#"{"chain": {"wallet": {"payment_address": "wallet"}}}"#, "chain.wallet.payment_address", "is not an address"),
            (#"{"chain": {"wallet": {"private_key": "0xzz"}}}"#, "chain.wallet.private_key", "32 bytes of hex"),
            (#"{"chain": {"wallet": {"private_key": "\#(String(repeating: "0", count: 64))"}}}"#, "chain.wallet.private_key", "is zero"),
            (#"{"chain": {"rpc_url": "ftp://127.0.0.1/key"}}"#, "chain.rpc_url", "not an http(s) or ws(s) URL"),
            (#"{"chain": {"rpc_url": "http://127.0.0.1:8545", "rpc_urls": ["http://a:1", "nowhere"]}}"#, "chain.rpc_urls[1]", "not an http(s)"),
            (#"{"chain": {"snapshot_sync": {"sleep": "1s"}}}"#, "chain.snapshot_sync.sleep", "a number of seconds"),
            (#"{"chain": {"snapshot_sync": {"sync_period": -1}}}"#, "chain.snapshot_sync.sync_period", "at least"),
            (#"{"node": {"heartbeat_interval": 0.001}}"#, "node.heartbeat_interval", "at least"),
            (#"{"node": {"shutdown_grace": "ten"}}"#, "node.shutdown_grace", "a number of seconds"),
            (#"{"node": {"restart_period": 0}}"#, "node.restart_period", "at least"),
            (#"{"node": {"stream_timeout": 1e300}}"#, "node.stream_timeout", "a number of seconds"),
            (#"{"server": {"rate_limit": {"period": 0}}}"#, "server.rate_limit.period", "at least"),
            (#"{"startup_wait": [1]}"#, "startup_wait", "a number of seconds"),
            (#"{"node": {"job_deadline": 0}}"#, "node.job_deadline", "at least"),
            (#"{"server": {"idle_timeout": "1m"}}"#, "server.idle_timeout", "a number of seconds"),
            (#"{"containers": [{"id": "a", "url": "http://x", "timeout": -5}]}"#, "containers[0].timeout", "at least"),
            (#"{"containers": [{"id": "a", "url": "http://x", "accepted_payments": {"0x12": "1"}}]}"#,
             "containers[0].accepted_payments.0x12", "is not an address"),
            (#"{"containers": [{"id": "a", "url": "http://x", "accepted_payments": {"\#(zero)": "1e18"}}]}"#,
             "containers[0].accepted_payments.\(zero)", "amount in wei"),
            (#"{"containers": [{"id": "a", "url": "http://x", "allowed_delegate_addresses": ["bob"]}]}"#,
             "containers[0].allowed_delegate_addresses[0]", "is not an address"),
        ]
        for (json, expectedKey, says) in cases {
            XCTAssertThrowsError(try NodeConfig.parse(Array(json.utf8)), json) { error in
                XCTAssertEqual((error as? ConfigError)?.key, expectedKey, "\(error)")
                XCTAssertTrue("\(error)".contains(says), "\(error)")
                XCTAssertFalse("\(error)".contains(key), "the key was echoed: \(error)")
            }
        }
    }

    func testValuesAreTypedAtLoad() throws {
        let config = try NodeConfig.parse(Array(Self.referenceConfig.utf8))
        let key = try XCTUnwrap(config.chain.wallet.privateKey)
        XCTAssertEqual(key.address, try PrivateKey(hex: "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d").address)
        XCTAssertEqual(config.chain.registryAddress, try Address(hex: "0x663F3ad617193148711d28f5334eE4Ed07016602"))
        XCTAssertEqual(config.chain.wallet.paymentAddress, try Address(hex: "0x60985ee8192B322c3CAbA97A9A9f7298bdc4335C"))
        XCTAssertEqual(config.chain.rpcURLs, [try XCTUnwrap(URL(string: "http://127.0.0.1:8545"))])
        XCTAssertEqual(config.chain.snapshotSync.sleep, .seconds(3))
        XCTAssertEqual(config.chain.snapshotSync.syncPeriod, .seconds(30))
        XCTAssertEqual(config.server.rateLimit.period, .seconds(100))
        XCTAssertEqual(config.startupWait, .seconds(1))

        let owner = "0x60985ee8192B322c3CAbA97A9A9f7298bdc4335C"
        let container = try NodeConfig.parse(Array(#"""
            {"containers": [{"id": "a", "url": "http://x", "allowed_addresses": ["\#(owner.lowercased())"],
             "allowed_delegate_addresses": ["\#(owner)"], "accepted_payments": {"\#(owner.uppercased().replacingOccurrences(of: "0X", with: "0x"))": 25}}]}
            """#.utf8)).containers[0]
        XCTAssertEqual(container.allowedAddresses, [try Address(hex: owner)])
        XCTAssertEqual(container.allowedDelegateAddresses, [try Address(hex: owner)])
        XCTAssertEqual(container.acceptedPayments, [try Address(hex: owner): BigUInt(25)])

        let node = try NodeConfig.parse(Array(#"{"node": {"heartbeat_interval": 0.05, "shutdown_grace": 2.5, "stream_timeout": 90}}"#.utf8))
        XCTAssertEqual(node.node.heartbeatInterval, .milliseconds(50))
        XCTAssertEqual(node.node.shutdownGrace, .milliseconds(2500))
        XCTAssertEqual(node.node.streamTimeout, .seconds(90))
        XCTAssertEqual(node.node.shutdownGrace.inSeconds, 2.5)
        let limits = try NodeConfig.parse(Array(#"{"node": {"job_deadline": 1.5, "job_retention": 0, "prune_interval": 0.5}, "server": {"body_timeout": 2}}"#.utf8))
        XCTAssertEqual(limits.node.limits.deadline, .milliseconds(1500))
        XCTAssertEqual(limits.node.limits.retention, .zero)
        XCTAssertEqual(limits.node.limits.pruneInterval, .milliseconds(500))
        XCTAssertEqual(limits.server.connections.bodyTimeout, .seconds(2))
        XCTAssertNil(node.chain.registryAddress)
        XCTAssertNil(node.chain.wallet.privateKey)
        XCTAssertEqual(node.chain.rpcURLs, [])
    }

    func testTypedKeyNeverPrints() throws {
        let config = try NodeConfig.parse(Array(Self.referenceConfig.utf8))
        let key = try XCTUnwrap(config.chain.wallet.privateKey)
        XCTAssertEqual("\(key)", "<redacted>")
        XCTAssertEqual(String(reflecting: key), "<redacted>")
        var dumped = ""
        dump(config, to: &dumped)
        XCTAssertFalse(dumped.lowercased().contains("59c6995e"), dumped)
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

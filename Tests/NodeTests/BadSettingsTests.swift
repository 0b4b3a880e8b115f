import Foundation
import TestSupport
import XCTest

/// Settings that cannot work are refused at start (issue 10): `infernet-node` exits 78
/// (EX_CONFIG) naming the key, before any worker starts and before READY, and never prints a
/// secret's value. One test per setting.
final class BadSettingsTests: XCTestCase {
    static let registry = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
    static let goodKey = "0x8da4ef21b864d2cc526dbdb2a120bd2874c36c9d0a1fb7f8c63d7f7a8b41de8f"

    struct Outcome {
        var status: Int32
        var output: String
    }

    /// Runs the node on a config (the harness's, with `containers` and `extraTopLevel`), and
    /// waits for it to exit (at most 20 s).
    func start(containers: [String] = [], extraTopLevel: String = "", environment: [String: String] = [:],
               configure: ((NodeHarness) throws -> Void)? = nil) async throws -> Outcome {
        let node = try NodeHarness(containers: containers, extraTopLevel: extraTopLevel)
        try configure?(node)
        try await node.start(waitForHealth: false, environment: environment)
        let process = try XCTUnwrap(node.process)
        let deadline = Date().addingTimeInterval(20)
        while process.isRunning, Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        XCTAssertFalse(process.isRunning, "the node did not exit on a bad setting\n\(node.log.suffix(2000))")
        node.stop()
        return Outcome(status: process.terminationStatus, output: node.log)
    }

    func assertRefused(_ outcome: Outcome, key: String, mentions: String? = nil, hides secret: String? = nil,
                       file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(outcome.status, 78, outcome.output, file: file, line: line)
        XCTAssertTrue(outcome.output.contains("'\(key)'"), "the error does not name \(key):\n\(outcome.output)", file: file, line: line)
        if let mentions {
            XCTAssertTrue(outcome.output.contains(mentions), "the error does not show '\(mentions)':\n\(outcome.output)", file: file, line: line)
        }
        if let secret {
            XCTAssertFalse(outcome.output.contains(secret), "the secret was printed:\n\(outcome.output)", file: file, line: line)
            XCTAssertFalse(outcome.output.contains(String(secret.dropFirst(2))), "the secret was printed", file: file, line: line)
        }
        // Refused before anything started (no worker, no container, no READY).
        for started in ["worker started", "container process started", "node ready"] {
            XCTAssertFalse(outcome.output.contains(started), "'\(started)' before the refusal:\n\(outcome.output)", file: file, line: line)
        }
    }

    func chain(key: String = goodKey, registry: String = registry, wallet: String = "") -> String {
        #""chain": {"enabled": true, "rpc_url": "http://127.0.0.1:9", "registry_address": "\#(registry)", "#
            + #""wallet": {"private_key": "\#(key)"\#(wallet)}}"#
    }

    func testABadEventLoopCountIsRefused() async throws {
        assertRefused(try await start(environment: ["INFERNET_EVENT_LOOPS": "lots"]), key: "INFERNET_EVENT_LOOPS", mentions: "'lots'")
    }

    func testPrivateKeyOfZeroIsRefused() async throws {
        let zero = "0x" + String(repeating: "0", count: 64)
        assertRefused(try await start(extraTopLevel: chain(key: zero)), key: "chain.wallet.private_key", hides: zero)
    }

    func testPrivateKeyAtTheGroupOrderIsRefused() async throws {
        let order = "0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141"
        assertRefused(try await start(extraTopLevel: chain(key: order)), key: "chain.wallet.private_key", hides: order)
    }

    func testRPCURLThatIsNotAURLIsRefusedWithoutShowingIt() async throws {
        let chain = #""chain": {"enabled": true, "rpc_url": "localhost:8545/secret-api-key", "registry_address": "\#(Self.registry)", "#
            + #""wallet": {"private_key": "\#(Self.goodKey)"}}"#
        let outcome = try await start(extraTopLevel: chain)
        assertRefused(outcome, key: "chain.rpc_url", mentions: "is not an http(s) or ws(s) URL")
        XCTAssertFalse(outcome.output.contains("secret-api-key"), outcome.output)
    }

    func testDurationThatIsNotANumberIsRefused() async throws {
        assertRefused(try await start(extraTopLevel: #""startup_wait": "soon""#), key: "startup_wait", mentions: "a number of seconds")
    }

    func testShortRegistryAddressIsRefused() async throws {
        assertRefused(try await start(extraTopLevel: chain(registry: "0x1234")), key: "chain.registry_address", mentions: "0x1234")
    }

    func testRegistryAddressWithBadChecksumIsRefused() async throws {
        let flipped = "0x5fbDB2315678afecb367f032d93F642f64180aa3"
        assertRefused(try await start(extraTopLevel: chain(registry: flipped)), key: "chain.registry_address", mentions: "EIP-55")
    }

    func testPaymentAddressWithBadChecksumIsRefused() async throws {
        let flipped = "0x5FbDB2315678afecb367f032d93F642f64180AA3"
        assertRefused(try await start(extraTopLevel: chain(wallet: #", "payment_address": "\#(flipped)""#)),
                      key: "chain.wallet.payment_address", mentions: flipped)
    }

    func testInvalidAllowedAddressIsRefused() async throws {
        let container = NodeHarness.helloContainer(id: "hello", fields: #""allowed_addresses": ["0xnot-an-address"]"#)
        assertRefused(try await start(containers: [container]), key: "containers[0].allowed_addresses[0]", mentions: "0xnot-an-address")
    }

    func testMissingCommandIsRefused() async throws {
        let container = #"{"id": "ghost", "command": "/nonexistent/infernet-ghost --port 1", "port": \#(NodeHarness.freePort())}"#
        assertRefused(try await start(containers: [container]), key: "containers[0].command", mentions: "/nonexistent/infernet-ghost")
    }

    func testCommandNotOnPathIsRefused() async throws {
        let container = #"{"id": "ghost", "command": "infernet-no-such-service --port 1", "port": \#(NodeHarness.freePort())}"#
        assertRefused(try await start(containers: [container]), key: "containers[0].command", mentions: "infernet-no-such-service")
    }

    func testCommandNotExecutableIsRefused() async throws {
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("not-executable-\(UUID().uuidString.prefix(8))")
        try "#!/bin/sh\nexit 0\n".write(to: script, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: script.path)
        defer { try? FileManager.default.removeItem(at: script) }
        let container = #"{"id": "plain", "command": "\#(script.path)", "port": \#(NodeHarness.freePort())}"#
        assertRefused(try await start(containers: [container]), key: "containers[0].command", mentions: "not executable")
    }

    func testContainerPortHeldByAnotherProcessIsRefused() async throws {
        let listener = try Listener()
        defer { listener.close() }
        let container = NodeHarness.helloContainer(id: "hello", port: listener.port)
        assertRefused(try await start(containers: [container]), key: "containers[0].port", mentions: "\(listener.port)")
    }

    /// Every worker executable, started on its own with a bad config, exits 78 naming the key
    /// (the libraries only throw; each `main` reports and exits).
    func testEveryWorkerExecutableExits78OnABadConfig() throws {
        let directory = try HarnessResources.temporaryDirectory(prefix: "bad-config")
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("config.json")
        try #"{"server": {"port": "not a number"}}"#.write(to: config, atomically: true, encoding: .utf8)
        for executable in ["infernet-gateway", "infernet-compute", "infernet-chain", "infernet-payment"] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: NodeHarness.builtProducts + "/" + executable)
            process.arguments = ["--config", config.path, "--bus", "ipc://\(directory.path)/unused.ipc"]
            let output = Pipe()
            process.standardOutput = output
            process.standardError = output
            try process.run()
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            XCTAssertEqual(process.terminationStatus, 78, "\(executable): \(text)")
            XCTAssertTrue(text.contains("\(executable): config key 'server.port'"), "\(executable): \(text)")
        }
    }

    func testServerPortInUseIsRefusedBeforeReady() async throws {
        var held: Listener?
        defer { held?.close() }
        let outcome = try await start(containers: [NodeHarness.helloContainer(id: "hello")]) { node in
            held = try Listener(port: node.port)
        }
        let port = try XCTUnwrap(held?.port)
        assertRefused(outcome, key: "server.port", mentions: "port \(port)")
    }
}

/// A TCP listener on 127.0.0.1 held by the test (another process's port, as far as the node knows).
struct Listener {
    let fd: Int32
    let port: Int

    init(port requested: Int = 0) throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(requested)).bigEndian
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(descriptor, 16) == 0 else {
            _ = Glibc.close(descriptor)
            throw HarnessError.unexpected(0, "cannot listen on port \(requested)")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        fd = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    func close() { _ = Glibc.close(fd) }
}

import Foundation
import InfernetCore
import Logging
import XCTest

/// The one redaction rule, and the config checks every process shares (issue 10).
final class RedactionTests: XCTestCase {
    static let apiKey = "sk-planted-API-key-7f3a9c"
    static let privateKey = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"

    static let config = """
    {"chain": {"enabled": true, "rpc_url": "https://alice:s3cr3t-pass@rpc.example.com/v3/infura-key-123456?token=qtoken99",
               "registry_address": "0x5FbDB2315678afecb367f032d93F642f64180aa3",
               "wallet": {"private_key": "\(privateKey)"}},
     "docker": {"username": "bob", "password": "registry-password-42"},
     "containers": [{"id": "c", "url": "http://127.0.0.1:3000", "bearer": "bearer-value-abcdef",
                     "env": {"API_KEY": "\(apiKey)", "LEVEL": "info"}}]}
    """

    static let planted = [apiKey, privateKey, String(privateKey.dropFirst(2)), "s3cr3t-pass", "infura-key-123456",
                          "qtoken99", "registry-password-42", "bearer-value-abcdef"]

    func testConfigDescriptionsAndDumpsHideEverySecret() throws {
        let config = try NodeConfig.parse(Array(Self.config.utf8))
        var dumped = ""
        dump(config, to: &dumped)
        for text in [String(describing: config), String(reflecting: config), dumped, "\(config.containers[0])",
                     "\(config.chain)", "\(config.dockerCredentials!)"] {
            for secret in Self.planted { XCTAssertFalse(text.contains(secret), "'\(secret)' in \(text)") }
        }
        XCTAssertTrue(dumped.contains("API_KEY=<redacted>"), dumped)
        XCTAssertTrue(String(describing: config).contains("https://rpc.example.com/…"))
    }

    func testScrubHidesRegisteredValuesAndShapes() throws {
        let config = try NodeConfig.parse(Array(Self.config.utf8))
        Redaction.register(config: config)
        let line = "env \(config.containers[0].env) key \(Self.privateKey) bare \(Self.privateKey.dropFirst(2)) "
            + "rpc \(config.chain.rpcURL?.absoluteString ?? "") docker registry-password-42 auth: Bearer bearer-value-abcdef"
        let scrubbed = Redaction.scrub(line)
        for secret in Self.planted { XCTAssertFalse(scrubbed.contains(secret), "'\(secret)' in \(scrubbed)") }
        // Short values are left alone (they would erase ordinary words everywhere).
        XCTAssertTrue(scrubbed.contains("info"), scrubbed)
        // By shape, whatever the value: URL user info and bearer tokens.
        XCTAssertEqual(Redaction.scrub("GET http://u:p@h:1/x failed"), "GET http://<redacted>@h:1/x failed")
        XCTAssertEqual(Redaction.scrub("Authorization: Bearer abc.def.ghi"), "Authorization: Bearer <redacted>")
        XCTAssertEqual(Redaction.scrub("missing or wrong bearer token"), "missing or wrong bearer token")
        XCTAssertEqual(Redaction.url("http://127.0.0.1:8545"), "http://127.0.0.1:8545")
        XCTAssertEqual(Redaction.url("https://u:p@mainnet.example/v3/KEY"), "https://mainnet.example/…")
    }

    /// The byte search `scrub` uses to find a secret: at the start, at the end, after
    /// multi-byte text, the whole text; a prefix of a secret or a secret cut short is not one.
    func testScrubFindsASecretWhereverItIs() {
        let secret = "zq-needle-SECRET-9041"
        Redaction.register([secret])
        for text in [secret, "\(secret) at the start", "at the end \(secret)", "ünïcødé ✓ \(secret) ✓", "a=\(secret),b=\(secret)"] {
            let scrubbed = Redaction.scrub(text)
            XCTAssertFalse(scrubbed.contains(secret), scrubbed)
            XCTAssertTrue(scrubbed.contains(Redaction.mask), scrubbed)
        }
        for text in ["zq-needle-SECRET-904", "zq-needle-SECRET", "", "zq-needle-secret-9041"] {
            XCTAssertEqual(Redaction.scrub(text), text)
        }
    }

    func testRedactingLogHandlerScrubsMessageAndMetadata() throws {
        Redaction.register(["log-secret-value-1"])
        let recorder = RecordingHandler()
        let logger = Logger(label: "t") { _ in RedactingLogHandler(recorder) }
        logger.trace("a log-secret-value-1 b", metadata: ["k": "x log-secret-value-1", "list": ["log-secret-value-1"]])
        let lines = recorder.box.lines
        XCTAssertEqual(lines.count, 1)
        XCTAssertFalse(lines[0].contains("log-secret-value-1"), lines[0])
        XCTAssertTrue(lines[0].contains(Redaction.mask), lines[0])
    }

    func testMetadataSetOnTheLoggerIsScrubbedAndEventMetadataWins() throws {
        Redaction.register(["log-secret-value-2"])
        let recorder = RecordingHandler()
        var logger = Logger(label: "t") { _ in RedactingLogHandler(recorder) }
        logger[metadataKey: "token"] = "bearer log-secret-value-2"
        logger[metadataKey: "request"] = "r-1"
        logger.info("hello", metadata: ["request": "r-2"])
        let lines = recorder.box.lines
        XCTAssertEqual(lines.count, 1)
        XCTAssertFalse(lines[0].contains("log-secret-value-2"), lines[0])
        XCTAssertTrue(lines[0].contains("token") && lines[0].contains(Redaction.mask), lines[0])
        XCTAssertTrue(lines[0].contains("r-2") && !lines[0].contains("r-1"), "the event's own value wins: \(lines[0])")
        XCTAssertEqual(logger[metadataKey: "request"], "r-1")
    }

    // MARK: Config checks

    func testAddressesAreCheckedWithTheirKey() {
        let cases: [(String, String)] = [
            (#"{"chain": {"registry_address": "0x1234"}}"#, "chain.registry_address"),
            // A valid address with one letter's case flipped: bad EIP-55 checksum.
            (#"{"chain": {"registry_address": "0x5fbDB2315678afecb367f032d93F642f64180aa3"}}"#, "chain.registry_address"),
            (#"{"chain": {"wallet": {"payment_address": "0xZZbDB2315678afecb367f032d93F642f64180aa3"}}}"#, "chain.wallet.payment_address"),
            (#"{"containers": [{"id": "a", "allowed_addresses": ["0xabc"]}]}"#, "containers[0].allowed_addresses[0]"),
            (#"{"containers": [{"id": "a", "allowed_delegate_addresses": ["nope"]}]}"#, "containers[0].allowed_delegate_addresses[0]"),
            (#"{"containers": [{"id": "a", "accepted_payments": {"0x12": "1"}}]}"#, "containers[0].accepted_payments.0x12"),
        ]
        for (text, key) in cases {
            XCTAssertThrowsError(try NodeConfig.parse(Array(text.utf8)), text) { error in
                XCTAssertEqual((error as? ConfigError)?.key, key, "\(error)")
            }
        }
        // Checksummed, all-lower and all-upper forms are accepted.
        for address in ["0x5FbDB2315678afecb367f032d93F642f64180aa3", "0x5fbdb2315678afecb367f032d93f642f64180aa3",
                        "0x5FBDB2315678AFECB367F032D93F642F64180AA3"] {
            XCTAssertNoThrow(try NodeConfig.parse(Array(#"{"chain": {"registry_address": "\#(address)"}}"#.utf8)))
        }
    }

    func testPrivateKeyMustBeInTheGroupRangeAndIsNeverShown() {
        let order = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141"
        let above = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364142"
        for key in [String(repeating: "0", count: 64), order, above, String(repeating: "f", count: 64)] {
            let text = #"{"chain": {"wallet": {"private_key": "\#(key)"}}}"#
            XCTAssertThrowsError(try NodeConfig.parse(Array(text.utf8))) { error in
                XCTAssertEqual((error as? ConfigError)?.key, "chain.wallet.private_key")
                XCTAssertFalse("\(error)".contains(key), "\(error)")
            }
        }
        let largest = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140"
        XCTAssertNoThrow(try NodeConfig.parse(Array(#"{"chain": {"wallet": {"private_key": "\#(largest)"}}}"#.utf8)))
        XCTAssertNoThrow(try NodeConfig.parse(Array(#"{"chain": {"wallet": {"private_key": "\#(String(repeating: "0", count: 63))1"}}}"#.utf8)))
    }

    func testRPCURLMustBeAURLAndIsShownRedacted() {
        let text = #"{"chain": {"rpc_url": "not a url/with-key-777777"}}"#
        XCTAssertThrowsError(try NodeConfig.parse(Array(text.utf8))) { error in
            XCTAssertEqual((error as? ConfigError)?.key, "chain.rpc_url")
            XCTAssertFalse("\(error)".contains("with-key-777777"), "\(error)")
        }
    }
}

/// A log handler that keeps the lines it is given.
struct RecordingHandler: LogHandler {
    final class Box: @unchecked Sendable {
        private let lock = NSLock()
        private var stored: [String] = []
        var lines: [String] { lock.withLock { stored } }
        func append(_ line: String) { lock.withLock { stored.append(line) } }
    }

    let box = Box()
    var logLevel: Logger.Level = .trace
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        box.append("\(event.message) \(event.metadata ?? [:])")
    }
}

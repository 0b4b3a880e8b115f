import AsyncHTTPClient
import Foundation
import InfernetCore
import NIOCore
import TestSupport
import XCTest

/// The off-chain path end to end: the real node binary, its real workers, real hello-world services.
final class OffchainJobTests: XCTestCase {
    nonisolated(unsafe) static var shared: NodeHarness?
    /// Why the class's node did not start: each test of this class then fails with it (the
    /// other classes of the bundle still run).
    nonisolated(unsafe) static var startupFailure: String?

    override class func setUp() {
        super.setUp()
        do {
            let node = try NodeHarness(containers: [
                NodeHarness.helloContainer(id: "hello", fields: #""description": "says hello""#),
                NodeHarness.helloContainer(id: "hello-2"),
                NodeHarness.helloContainer(id: "hello-3"),
                NodeHarness.helloContainer(id: "streamer", extra: "--chunk-delay-ms 150"),
                NodeHarness.helloContainer(id: "internal", fields: #""external": false"#),
                NodeHarness.helloContainer(id: "private", fields: #""allowed_ips": ["10.0.0.0/8"]"#),
                #"{"id": "unreachable", "url": "http://127.0.0.1:1"}"#,
            ])
            if let failure = expectationlessWait({ try await node.start() }) {
                node.stop()
                startupFailure = "the node did not start: \(failure)"
                return
            }
            shared = node
        } catch {
            startupFailure = "the node's config could not be written: \(error)"
        }
    }

    override class func tearDown() {
        shared?.stop()
        shared = nil
        startupFailure = nil
        super.tearDown()
    }

    struct StartupFailure: Error, CustomStringConvertible {
        let description: String
    }

    private(set) var node: NodeHarness!

    override func setUpWithError() throws {
        try super.setUpWithError()
        guard let shared = Self.shared else {
            throw StartupFailure(description: "OffchainJobTests: \(Self.startupFailure ?? "the node did not start")")
        }
        node = shared
    }

    func testJobResultIsHelloWorldsReplyToOurData() async throws {
        let id = try await node.submit(containers: ["hello"], data: #"{"prompt": "it's \"quoted\"", "n": [1, 2.5, true, null]}"#)
        let job = try await node.waitForResult(id)
        XCTAssertEqual(job["status"]?.stringValue, "success", "\(job)")
        XCTAssertEqual(job["result"]?["container"]?.stringValue, "hello")
        XCTAssertEqual(
            job["result"]?["output"]?["output"]?.stringValue,
            #"hello, world!, your input was: {'source': 1, 'destination': 1, 'data': {'prompt': 'it\'s "quoted"', 'n': [1, 2.5, True, None]}, 'requires_proof': False}"#)
        XCTAssertNil(job["intermediate_results"])
    }

    func testThreeContainerChainWithIntermediateResults() async throws {
        let id = try await node.submit(containers: ["hello", "hello-2", "hello-3"], data: #"{"v": 1}"#)
        let job = try await node.waitForResult(id, intermediate: true)
        XCTAssertEqual(job["status"]?.stringValue, "success", "\(job)")
        // As in the reference node: every hop before the last is an intermediate result; the last is the result.
        let steps = try XCTUnwrap(job["intermediate_results"]?.arrayValue)
        XCTAssertEqual(steps.compactMap { $0["container"]?.stringValue }, ["hello", "hello-2"])
        // Each hop received the previous hop's output as its data.
        let second = try XCTUnwrap(steps[1]["output"]?["output"]?.stringValue)
        XCTAssertEqual(second, #"hello, world!, your input was: {'source': 1, 'destination': 1, 'data': {'output': "hello, world!, your input was: {'source': 1, 'destination': 1, 'data': {'v': 1}, 'requires_proof': False}"}, 'requires_proof': False}"#)
        XCTAssertEqual(job["result"]?["container"]?.stringValue, "hello-3")
        XCTAssertTrue(job["result"]?["output"]?["output"]?.stringValue?.contains(#"{'output': 'hello, world!, your input was: {\'source\': 1"#) == true, "\(job)")
    }

    func testFailingContainerStopsTheChain() async throws {
        let id = try await node.submit(containers: ["hello", "unreachable", "hello-2"])
        let job = try await node.waitForResult(id, intermediate: true)
        XCTAssertEqual(job["status"]?.stringValue, "failed")
        XCTAssertEqual(job["result"]?["container"]?.stringValue, "unreachable")
        XCTAssertNotNil(job["result"]?["error"]?.stringValue)
        XCTAssertEqual(job["intermediate_results"]?.arrayValue?.compactMap { $0["container"]?.stringValue }, ["hello"])
    }

    func testBatchWithOneBadItem() async throws {
        let reply = try await node.post("/api/jobs/batch", #"[{"containers": ["hello"], "data": {"i": 0}}, {"containers": ["nope"], "data": {}}, {"containers": ["hello"], "data": {"i": 2}}]"#)
        XCTAssertEqual(reply.status, 200, reply.body)
        let items = try XCTUnwrap(reply.json?.arrayValue)
        XCTAssertEqual(items.count, 3)
        XCTAssertNotNil(items[0]["id"]?.stringValue)
        XCTAssertEqual(items[1]["error"]?.stringValue, "Container not supported")
        XCTAssertNotNil(items[1]["params"])
        let last = try XCTUnwrap(items[2]["id"]?.stringValue)
        let job = try await node.waitForResult(last)
        XCTAssertEqual(job["status"]?.stringValue, "success")
        let notAList = try await node.post("/api/jobs/batch", #"{"containers": ["hello"]}"#)
        XCTAssertEqual(notAList.status, 400)
        XCTAssertEqual(notAList.json?["error"]?.stringValue, "Expected a list")
    }

    func testStreamArrivesInSeveralChunksBeforeItEnds() async throws {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(node.port)/api/jobs/stream")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: #"{"containers": ["streamer"], "data": {"stream": "me"}}"#))
        let start = Date()
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        XCTAssertEqual(response.status.code, 200)
        var arrivals: [(Double, String)] = []
        for try await buffer in response.body { arrivals.append((Date().timeIntervalSince(start), String(buffer: buffer))) }
        let text = arrivals.map(\.1).joined()
        let lines = text.split(separator: "\n", maxSplits: 1)
        let jobID = String(lines[0])
        XCTAssertEqual(jobID.count, 36, "first line is the job id: \(text)")
        XCTAssertTrue(text.contains("hello, world!"), text)
        XCTAssertGreaterThanOrEqual(arrivals.count, 3, "chunks: \(arrivals)")
        // Chunks were spread over time, not delivered at the end in one piece.
        let spread = (arrivals.last?.0 ?? 0) - (arrivals.first?.0 ?? 0)
        XCTAssertGreaterThan(spread, 0.2, "chunks: \(arrivals)")
        // The concatenated text is stored as the job's result.
        let job = try await node.waitForResult(jobID)
        XCTAssertEqual(job["status"]?.stringValue, "success")
        XCTAssertEqual(job["result"]?["output"]?["output"]?.stringValue.map { String(lines[1]).hasPrefix($0) || $0 == String(lines[1]) }, true, "\(job)")
    }

    func testGuardianRefusals() async throws {
        let cases: [(String, Int, String)] = [
            (#"{"containers": [], "data": {}}"#, 400, "No containers specified"),
            (#"{"containers": ["nope"], "data": {}}"#, 404, "Container not supported"),
            (#"{"containers": ["internal"], "data": {}}"#, 403, "First container must be external"),
            (#"{"containers": ["hello"], "data": {}, "requires_proof": true}"#, 400, "Container does not generate proof"),
            (#"{"containers": ["private"], "data": {}}"#, 403, "Container not allowed for address"),
        ]
        for (body, status, message) in cases {
            let reply = try await node.post("/api/jobs", body)
            XCTAssertEqual(reply.status, status, "\(body) -> \(reply.body)")
            XCTAssertEqual(reply.json?["error"]?.stringValue, message, body)
            XCTAssertNotNil(reply.json?["params"], body)
        }
        let delegated = #"{"subscription": {"owner": "0x0000000000000000000000000000000000000001", "active_at": 0, "period": 0, "frequency": 1, "redundancy": 1, "containers": "0x0000000000000000000000000000000000000000000000000000000000000000", "lazy": false, "verifier": "0x0000000000000000000000000000000000000000", "payment_amount": 0, "payment_token": "0x0000000000000000000000000000000000000000", "wallet": "0x0000000000000000000000000000000000000000"}, "signature": {"nonce": 0, "expiry": 0, "v": 27, "r": 1, "s": 1}, "data": {}}"#
        let reply = try await node.post("/api/jobs", delegated)
        XCTAssertEqual(reply.json?["error"]?.stringValue, "Chain not enabled", reply.body)
    }

    func testMalformedBodiesAreClear400s() async throws {
        let cases: [(String, String)] = [
            ("{not json", "JSON"),
            (#"{"containers": "hello", "data": {}}"#, "containers"),
            (#"{"containers": [1], "data": {}}"#, "containers"),
            (#"{"containers": ["hello"], "data": {}, "requires_proof": "yes"}"#, "requires_proof"),
            ("[]", "object"),
        ]
        for (body, mention) in cases {
            let reply = try await node.post("/api/jobs", body)
            XCTAssertEqual(reply.status, 400, "\(body) -> \(reply.body)")
            XCTAssertTrue(reply.body.localizedCaseInsensitiveContains(mention), "\(body) -> \(reply.body)")
        }
        let health = try await node.get("/health")
        XCTAssertEqual(health.json?["status"]?.stringValue, "healthy")
    }

    func testOwnJobListingWithPendingFilter() async throws {
        let id = try await node.submit(containers: ["hello"])
        _ = try await node.waitForResult(id)
        let all = try await node.get("/api/jobs")
        XCTAssertTrue(all.json?.arrayValue?.contains(.string(id)) == true)
        let pending = try await node.get("/api/jobs?pending=true")
        XCTAssertFalse(pending.json?.arrayValue?.contains(.string(id)) == true)
        let finished = try await node.get("/api/jobs?pending=false")
        XCTAssertTrue(finished.json?.arrayValue?.contains(.string(id)) == true)
    }

    func testInfoResourcesMetrics() async throws {
        let info = try await node.get("/info")
        XCTAssertEqual(info.status, 200)
        XCTAssertEqual(info.json?["chain"]?["enabled"]?.boolValue, false)
        XCTAssertEqual(info.json?["chain"]?["address"]?.stringValue, "")
        let containers = try XCTUnwrap(info.json?["containers"]?.arrayValue)
        XCTAssertTrue(containers.contains { $0["id"]?.stringValue == "hello" && $0["description"]?.stringValue == "says hello" })
        XCTAssertNotNil(info.json?["pending"]?["offchain"]?.numberValue)

        let resources = try await node.get("/resources")
        XCTAssertEqual(resources.status, 200)
        XCTAssertNotNil(resources.json?["hello"]?["service_id"], resources.body)
        XCTAssertNil(resources.json?["unreachable"], "failing containers are left out")

        let id = try await node.submit(containers: ["hello"])
        _ = try await node.waitForResult(id)
        let metrics = try await node.get("/metrics")
        XCTAssertEqual(metrics.status, 200)
        XCTAssertTrue(metrics.body.contains("# TYPE"), metrics.body)
        XCTAssertTrue(metrics.body.contains("success"), metrics.body)
    }
}

/// Runs async set-up from the synchronous class set-up; returns the error, if any.
func expectationlessWait(_ body: @escaping @Sendable () async throws -> Void) -> (any Error)? {
    let semaphore = DispatchSemaphore(value: 0)
    nonisolated(unsafe) var failure: (any Error)?
    Task {
        do { try await body() } catch { failure = error }
        semaphore.signal()
    }
    semaphore.wait()
    return failure
}

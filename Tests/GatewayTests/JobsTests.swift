import AsyncHTTPClient
import Foundation
import Gateway
import InfernetCore
import NIOCore
import TestSupport
import XCTest

final class JobsTests: XCTestCase {
    var node: TestNode!

    override func setUp() async throws { node = try await TestNode() }
    override func tearDown() async throws { await node.shutdown() }

    func testJobResultHasOutputAndNoIntermediateByDefault() async throws {
        let id = try await node.submit(#"{"containers":["echo"],"data":{"prompt":"hi","n":1}}"#)
        XCTAssertEqual(id.count, 36)
        let result = try await node.waitForResult(id)
        XCTAssertEqual(result["id"], .string(id))
        XCTAssertEqual(result["status"], "success")
        XCTAssertEqual(result["result"]?["container"], "echo")
        XCTAssertEqual(result["result"]?["output"]?["input"], ["prompt": "hi", "n": 1])
        XCTAssertNil(result["intermediate_results"])
        // The data reached the container with its key order intact.
        XCTAssertEqual(result["result"]?["output"]?["input"]?.objectValue?.keys, ["prompt", "n"])
    }

    func testChainRecordsIntermediateResults() async throws {
        let id = try await node.submit(#"{"containers":["echo","chain2"],"data":{"x":1}}"#)
        let result = try await node.waitForResult(id, intermediate: true)
        XCTAssertEqual(result["status"], "success")
        XCTAssertEqual(result["result"]?["container"], "chain2")
        let intermediate = try XCTUnwrap(result["intermediate_results"]?.arrayValue)
        XCTAssertEqual(intermediate.count, 1)
        XCTAssertEqual(intermediate[0]["container"], "echo")
        // The second hop got the first hop's output as its data.
        XCTAssertEqual(result["result"]?["output"]?["input"], intermediate[0]["output"])
    }

    func testFailedContainerFailsTheJob() async throws {
        let id = try await node.submit(#"{"containers":["echo","fail"],"data":{}}"#)
        let result = try await node.waitForResult(id, intermediate: true)
        XCTAssertEqual(result["status"], "failed")
        XCTAssertEqual(result["result"]?["container"], "fail")
        XCTAssertEqual(result["result"]?["error"], "container 'fail' answered HTTP 500")
        XCTAssertNil(result["result"]?["output"])
        XCTAssertEqual(result["intermediate_results"]?.arrayValue?.first?["container"], "echo")
    }

    func testBatchAnswersEachItemInPlace() async throws {
        let body = """
            [{"containers":["echo"],"data":{"i":0}},
             {"containers":"echo","data":{}},
             {"containers":["nope"],"data":{}},
             42,
             {"containers":["echo"],"data":{"i":4}}]
            """
        let answer = try await node.request(.POST, "/api/jobs/batch", body: body)
        XCTAssertEqual(answer.status, 200)
        let items = try XCTUnwrap(answer.json?.arrayValue)
        XCTAssertEqual(items.count, 5)
        let first = try XCTUnwrap(items[0]["id"]?.stringValue)
        XCTAssertEqual(items[1]["error"], "containers: expected a list of strings, got string")
        XCTAssertEqual(items[2]["error"], "Container not supported")
        XCTAssertEqual(items[2]["params"]?["container"], "nope")
        XCTAssertEqual(items[3]["error"]?.stringValue?.hasPrefix("body:"), true)
        let last = try XCTUnwrap(items[4]["id"]?.stringValue)
        let firstResult = try await node.waitForResult(first)
        let lastResult = try await node.waitForResult(last)
        XCTAssertEqual(firstResult["result"]?["output"]?["input"], ["i": 0])
        XCTAssertEqual(lastResult["result"]?["output"]?["input"], ["i": 4])

        let notList = try await node.request(.POST, "/api/jobs/batch", body: #"{"containers":["echo"],"data":{}}"#)
        XCTAssertEqual(notList.status, 400)
        XCTAssertEqual(notList.json, ["error": "Expected a list"])
    }

    func testStreamRelaysChunksAsTheyArrive() async throws {
        var request = HTTPClientRequest(url: node.base + "/api/jobs/stream")
        request.method = .POST
        request.body = .bytes(ByteBuffer(string: #"{"containers":["streamer"],"data":{"prompt":"x"}}"#))
        let started = Date()
        let response = try await node.http.execute(request, timeout: .seconds(10))
        XCTAssertEqual(response.status.code, 200)
        var text = ""
        var arrivals: [(Double, String)] = []
        for try await buffer in response.body {
            let piece = String(buffer: buffer)
            text += piece
            arrivals.append((Date().timeIntervalSince(started), piece))
        }
        let lines = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false)
        XCTAssertEqual(lines.count, 2)
        let id = String(lines[0])
        XCTAssertEqual(id.count, 36)
        XCTAssertEqual(String(lines[1]), "Hello, streaming world!")
        // The first chunk came well before the end (the worker waits 150 ms between chunks).
        let firstChunk = try XCTUnwrap(arrivals.first { $0.1.contains("Hello") })
        XCTAssertLessThan(firstChunk.0, arrivals.last!.0 - 0.2, "chunks were not relayed as they arrived: \(arrivals)")
        let result = try await node.waitForResult(id)
        XCTAssertEqual(result["status"], "success")
        XCTAssertEqual(result["result"]?["output"]?["output"], "Hello, streaming world!")

        let delegated = try await node.request(.POST, "/api/jobs/stream", body: GuardianTests.delegatedBody)
        XCTAssertEqual(delegated.status, 400)
        XCTAssertEqual(delegated.json?["error"], "Streaming only supported for OffchainJob requests.")
    }

    func testListingIDsAndClientIsolation() async throws {
        let a = try await node.submit(#"{"containers":["echo"],"data":{}}"#)
        let b = try await node.submit(#"{"containers":["slow"],"data":{}}"#)
        _ = try await node.waitForResult(a)
        let all = try await node.request(.GET, "/api/jobs")
        XCTAssertEqual(Set(all.json?.arrayValue?.compactMap(\.stringValue) ?? []), [a, b])
        let pending = try await node.request(.GET, "/api/jobs?pending=true")
        XCTAssertEqual(pending.json, [.string(b)])
        let finished = try await node.request(.GET, "/api/jobs?pending=false")
        XCTAssertEqual(finished.json, [.string(a)])
        // Completed before pending, unknown ids skipped, whatever the order asked.
        let both = try await node.request(.GET, "/api/jobs?id=\(b)&id=unknown&id=\(a)")
        XCTAssertEqual(both.json?.arrayValue?.map { $0["id"] }, [.string(a), .string(b)])
        XCTAssertEqual(both.json?.arrayValue?.last?["result"], .null)

        // Another client (127.0.0.2) sees none of these.
        let other = try RawHTTP.request(from: "127.0.0.2", port: node.port, method: "GET", path: "/api/jobs?id=\(a)")
        XCTAssertEqual(other.status, 200)
        XCTAssertEqual(try JSONValue(parsing: other.body), [])
        let otherList = try RawHTTP.request(from: "127.0.0.2", port: node.port, method: "GET", path: "/api/jobs")
        XCTAssertEqual(try JSONValue(parsing: otherList.body), [])
        let badPending = try await node.request(.GET, "/api/jobs?pending=maybe")
        XCTAssertEqual(badPending.status, 400)
    }

    func testStatusPushFromLoopback() async throws {
        let put = try await node.request(.PUT, "/api/status",
                                      body: #"{"id":"ext-1","status":"success","containers":["echo"],"data":{"a":1}}"#)
        XCTAssertEqual(put.status, 200)
        XCTAssertEqual(put.json, [:])
        let result = try await node.waitForResult("ext-1")
        XCTAssertEqual(result["status"], "success")
        XCTAssertEqual(result["result"], ["container": "echo", "output": ["a": 1]])

        // Updates an existing job's status, keeping its owner.
        let id = try await node.submit(#"{"containers":["slow"],"data":{}}"#)
        let failed = try await node.request(.PUT, "/api/status",
                                         body: #"{"id":"\#(id)","status":"failed","containers":["slow"],"data":"gave up"}"#)
        XCTAssertEqual(failed.status, 200)
        let now = try await node.request(.GET, "/api/jobs?id=\(id)")
        XCTAssertEqual(now.json?.arrayValue?.first?["result"], ["container": "slow", "error": "gave up"])

        let bad = try await node.request(.PUT, "/api/status", body: #"{"id":"ext-2","status":"done","containers":["echo"]}"#)
        XCTAssertEqual(bad.status, 400)
        XCTAssertEqual(bad.json?["error"], "Status is invalid")
        let malformed = try await node.request(.PUT, "/api/status", body: "{not json")
        XCTAssertEqual(malformed.status, 400)
    }

    func testMalformedBodiesName400TheField() async throws {
        let cases: [(String, String)] = [
            ("{not json", "body: malformed JSON"),
            ("[1,2]", "body: expected a JSON object, got array"),
            (#"{"data":{}}"#, "containers: required"),
            (#"{"containers":[1],"data":{}}"#, "containers: expected a list of strings"),
            (#"{"containers":["echo"]}"#, "data: required"),
            (#"{"containers":["echo"],"data":"text"}"#, "data: expected an object, got string"),
            (#"{"containers":["echo"],"data":{},"requires_proof":"yes"}"#, "requires_proof: expected true or false"),
            (#"{"subscription":{"owner":"0x1"},"signature":{},"data":{}}"#, "subscription.active_at: required"),
            ("", "body: malformed JSON"),
        ]
        for (body, expected) in cases {
            let answer = try await node.request(.POST, "/api/jobs", body: body)
            XCTAssertEqual(answer.status, 400, body)
            let message = answer.json?["error"]?.stringValue ?? "<\(answer.body)>"
            XCTAssertTrue(message.hasPrefix(expected), "\(body): \(message)")
        }
        // Deeply nested JSON is refused, not a crash.
        let deep = String(repeating: "[", count: 100_000)
        let answer = try await node.request(.POST, "/api/jobs", body: deep)
        XCTAssertEqual(answer.status, 400)
        let health = try await node.request(.GET, "/health")
        XCTAssertEqual(health.json, ["status": "healthy"])
    }
}

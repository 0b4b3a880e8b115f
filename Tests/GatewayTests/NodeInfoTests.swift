import Foundation
import Gateway
import BusContract
import InfernetCore
import TestSupport
import XCTest

final class NodeInfoTests: XCTestCase {
    func testInfoResourcesMetricsAndOpenAPI() async throws {
        let node = try await TestNode()
        defer { Task { await node.shutdown() } }
        let info = try await node.request(.GET, "/info")
        XCTAssertEqual(info.status, 200)
        XCTAssertEqual(info.json?["version"], .string(InfernetCoreVersion.version))
        XCTAssertEqual(info.json?["containers"]?.arrayValue?.count, 8)
        XCTAssertEqual(info.json?["containers"]?.arrayValue?.first,
                       ["id": "echo", "description": "echoes", "external": true, "image": "ritual/echo"])
        XCTAssertEqual(info.json?["chain"], ["enabled": false, "address": ""])
        XCTAssertEqual(info.json?["pending"]?["onchain"], 0)

        // A running job shows as pending.
        let slow = try await node.submit(#"{"containers":["slow"],"data":{}}"#)
        let busy = try await node.request(.GET, "/info")
        XCTAssertEqual(busy.json?["pending"]?["offchain"], 1)

        let resources = try await node.request(.GET, "/resources")
        XCTAssertEqual(resources.status, 200)
        // Parsed JSON per container; the one answering non-JSON is left out.
        XCTAssertEqual(resources.json, ["echo": ["version": "1.0", "service_id": "echo"]])
        let model = try await node.request(.GET, "/resources?model_id=m1")
        XCTAssertEqual(model.json, ["echo": ["supported": true]])

        _ = try await node.waitForResult(slow)
        let failed = try await node.submit(#"{"containers":["fail"],"data":{}}"#)
        _ = try await node.waitForResult(failed)
        let metrics = try await node.request(.GET, "/metrics")
        XCTAssertEqual(metrics.status, 200)
        XCTAssertTrue(metrics.body.contains(#"infernet_gateway_jobs_total{status="success"} 1"#), metrics.body)
        XCTAssertTrue(metrics.body.contains(#"infernet_gateway_jobs_total{status="failed"} 1"#))
        XCTAssertTrue(metrics.body.contains(#"infernet_gateway_jobs_total{status="accepted"} 2"#))
        XCTAssertTrue(metrics.body.contains("infernet_gateway_job_duration_seconds_count 2"))
        XCTAssertTrue(metrics.body.contains("infernet_gateway_pending_jobs 0"))
        XCTAssertTrue(metrics.body.contains(#"infernet_gateway_http_requests_total{code="2xx"}"#))
        // Gathered from the broker's statistics.
        XCTAssertTrue(metrics.body.contains(#"infernet_bus_peers{service="compute"} 1"#), metrics.body)
        XCTAssertTrue(metrics.body.contains("infernet_bus_routed_requests"))

        let document = try await node.request(.GET, "/openapi.yaml")
        XCTAssertEqual(document.status, 200)
        XCTAssertTrue(document.body.hasPrefix("openapi: 3"))
    }

    func testOpenAPIDocumentsEveryRoute() throws {
        let directory = try TestNode.tempDirectory()
        let config = try TestNode.makeConfig(directory: directory)
        let store = try JobStore(path: JobStore.path(dataDirectory: directory.path))
        let gateway = Gateway(config: config, store: store, bus: UnusedBus(), logger: TestNode.logger())
        let document = try XCTUnwrap(OpenAPIDocument.text)
        let routes = gateway.makeRouter().routes
        XCTAssertEqual(routes.count, 10)
        // Each path's block in the document: from "  /path:" to the next path.
        let lines = document.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for route in routes {
            let path = "\(route.path)"
            let header = "  \(path.hasPrefix("/") ? path : "/" + path):"
            guard let start = lines.firstIndex(of: header) else {
                XCTFail("route \(route) missing from openapi.yaml")
                continue
            }
            let block = lines[(start + 1)...].prefix { $0.hasPrefix("    ") || $0.isEmpty }
            XCTAssertTrue(block.contains("    \(route.method.rawValue.lowercased()):"), "method of \(route) missing from openapi.yaml")
        }
    }

    func testRateLimitAnswers429ExceptForStatusPushes() async throws {
        let node = try await TestNode(rateLimit: 3)
        defer { Task { await node.shutdown() } }
        for _ in 0..<3 {
            let ok = try await node.request(.GET, "/health")
            XCTAssertEqual(ok.status, 200)
        }
        let limited = try await node.request(.GET, "/health")
        XCTAssertEqual(limited.status, 429)
        XCTAssertEqual(limited.json?["error"], "Too many requests")
        XCTAssertEqual(limited.json?["params"]?["limit"], 3)
        XCTAssertTrue(limited.headers.contains { $0.0.lowercased() == "retry-after" })
        let jobs = try await node.request(.POST, "/api/jobs", body: #"{"containers":["echo"],"data":{}}"#)
        XCTAssertEqual(jobs.status, 429)
        // Status pushes are not limited.
        for index in 0..<5 {
            let put = try await node.request(.PUT, "/api/status", body: #"{"id":"p\#(index)","status":"running"}"#)
            XCTAssertEqual(put.status, 200)
        }
        // Limits are per client: another address still gets through.
        let other = try RawHTTP.request(from: "127.0.0.2", port: node.port, method: "GET", path: "/health")
        XCTAssertEqual(other.status, 200)
        let metrics = try RawHTTP.request(from: "127.0.0.2", port: node.port, method: "GET", path: "/metrics")
        XCTAssertTrue(metrics.body.contains("infernet_gateway_rate_limited_total 2"), metrics.body)
    }

    func testRateLimiterRefillsOverTime() {
        let limiter = RateLimiter(limit: 2, period: .seconds(10))
        // Instants relative to one start: the limiter is a rule over the times it is given.
        let start = ContinuousClock.now
        XCTAssertNil(limiter.acquire("a", now: start))
        XCTAssertNil(limiter.acquire("a", now: start))
        let wait = limiter.acquire("a", now: start)
        XCTAssertEqual(wait, .seconds(5))
        XCTAssertNil(limiter.acquire("b", now: start))
        XCTAssertNil(limiter.acquire("a", now: start + .seconds(5.001)))
        XCTAssertNotNil(limiter.acquire("a", now: start + .seconds(5.002)))
        XCTAssertNil(limiter.acquire("a", now: start + .seconds(100)))
    }
}

/// A bus that is never called (router-only tests).
struct UnusedBus: ComputeBus {
    func run(_ request: ComputeRequest, timeout: Duration) async throws -> ComputeResult { throw TestFailure("unused") }
    func stream(_ request: ComputeRequest, timeout: Duration) -> AsyncThrowingStream<BusStreamEvent<ComputeResult>, any Error> {
        AsyncThrowingStream { $0.finish(throwing: TestFailure("unused")) }
    }
    func resources(modelID: String?, timeout: Duration) async throws -> ResourcesResult { throw TestFailure("unused") }
    func statistics(timeout: Duration) async throws -> BrokerStatistics { throw TestFailure("unused") }
    func close() {}
}

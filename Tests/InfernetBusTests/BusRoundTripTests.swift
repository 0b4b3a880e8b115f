import Foundation
import Logging
import XCTest

@testable import InfernetBus

/// The body of the test methods.
struct Echo: Codable, Sendable, Equatable {
    var text: String
}

enum TestMethods {
    /// Answers `echo:<text>`.
    static let echo = BusMethod<Echo, Echo>(.compute, "test.echo")
    /// Writes the chunks a, b, c, then answers `echo:<text>`.
    static let chunks = BusMethod<Echo, Echo>(.compute, "test.chunks")
    /// Never answers (for timeouts).
    static let silent = BusMethod<Echo, Echo>(.compute, "test.silent")
    /// Fails with the code named by the request's text.
    static let fail = BusMethod<Echo, Echo>(.compute, "test.fail")
}

/// A real broker and real peers over an ipc:// socket.
final class BusRoundTripTests: XCTestCase {
    var directory: URL!
    var endpoint: String { "ipc://\(directory.path)/bus.ipc" }
    let logger = Logger(label: "test")

    override func setUp() {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("bus-\(UUID().uuidString.prefix(8))")
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(at: directory) }

    func broker(liveness: Int = 4) throws -> Broker {
        let broker = Broker(options: .init(endpoint: endpoint, heartbeatInterval: .milliseconds(50), liveness: liveness),
                            logger: logger)
        try broker.start()
        return broker
    }

    func peer(_ identity: String, service: BusService, containers: [String] = [], pid: Int32 = 1) throws -> BusPeer {
        let peer = try BusPeer(options: .init(endpoint: endpoint, identity: identity,
                                              announcement: PeerAnnouncement(service: service, containers: containers, pid: pid),
                                              heartbeatInterval: .milliseconds(50)), logger: logger)
        try peer.start()
        return peer
    }

    /// A broker, a worker serving `echoRouter` for `containers` and a client; `body` gets the
    /// client, and everything is stopped after it.
    func withEchoWorker(containers: [String] = ["a"], _ body: (BusPeer) async throws -> Void) async throws {
        let broker = try broker()
        defer { broker.stop() }
        let worker = try peer("w1", service: .compute, containers: containers)
        let client = try peer("client", service: .gateway)
        let serving = serveEcho(worker)
        defer { serving.cancel(); worker.stop(); client.stop() }
        try await body(client)
    }

    static var echoRouter: BusRouter {
        var router = BusRouter(service: .compute)
        router.on(TestMethods.echo) { request in Echo(text: "echo:" + request.text) }
        router.on(TestMethods.chunks, streaming: { request, chunks in
            for piece in ["a", "b", "c"] { chunks.write(piece) }
            return Echo(text: "echo:" + request.text)
        })
        router.on(TestMethods.fail) { request in
            throw BusFailure(BusFailure.Code(rawValue: request.text) ?? .internal, "failed as asked: \(request.text)")
        }
        return router
    }

    /// Serves the echo router on `worker` (what `BusWorkerService` does in the workers).
    func serveEcho(_ worker: BusPeer) -> Task<Void, Never> {
        let router = Self.echoRouter
        return Task {
            await withDiscardingTaskGroup { group in
                for await request in worker.incoming where request.method != TestMethods.silent.name {
                    group.addTask {
                        let writer = BusStreamWriter { worker.send(BusChunk(id: request.id, data: $0)) }
                        worker.reply(await router.handle(request, writer: writer))
                    }
                }
            }
        }
    }

    func testTypedCallAndStream() async throws {
        try await withEchoWorker { client in
            let response = try await client.call(TestMethods.echo, Echo(text: "hi"), containers: ["a"], timeout: .seconds(5))
            XCTAssertEqual(response, Echo(text: "echo:hi"))

            var chunks: [String] = []
            var final: Echo?
            for try await event in client.stream(TestMethods.chunks, Echo(text: "s"), containers: ["a"], timeout: .seconds(5)) {
                switch event {
                case .chunk(let text): chunks.append(text)
                case .response(let response): final = response
                }
            }
            XCTAssertEqual(chunks, ["a", "b", "c"])
            XCTAssertEqual(final, Echo(text: "echo:s"))
        }
    }

    /// Every failure code a handler picks reaches the caller as that code, through the broker.
    func testFailureCodesSurviveTheTrip() async throws {
        try await withEchoWorker { client in
            for code in BusFailure.Code.allCases {
                do throws(BusError) {
                    _ = try await client.call(TestMethods.fail, Echo(text: code.rawValue), timeout: .seconds(5))
                    XCTFail("\(code) must fail")
                } catch {
                    XCTAssertEqual(error, .failed(BusFailure(code, "failed as asked: \(code.rawValue)")))
                }
            }
            // The router's own answers travel the same way.
            do throws(BusError) {
                _ = try await client.send(BusRequest(id: "bad", service: .compute, method: TestMethods.echo.name, body: "]["),
                                          timeout: .seconds(5))
                XCTFail("a body that is not JSON must be refused")
            } catch {
                XCTAssertEqual(error.failure?.code, .badRequest)
                XCTAssertEqual(error.failure?.message, "malformed test.echo body: expected a Echo JSON object (not valid JSON)")
            }
            do throws(BusError) {
                _ = try await client.call(BusMethod<Echo, Echo>(.compute, "test.nope"), Echo(text: ""), timeout: .seconds(5))
                XCTFail("an unknown method must be refused")
            } catch {
                XCTAssertEqual(error.failure?.code, .unknownMethod)
            }
        }
    }

    /// A response that is not the method's response type is a typed error, not a crash.
    func testMismatchedResponseTypeIsABadResponse() async throws {
        try await withEchoWorker(containers: []) { client in
            struct Other: Codable, Sendable { var number: Int }
            let wrong = BusMethod<Echo, Other>(.compute, TestMethods.echo.name)
            do throws(BusError) {
                _ = try await client.call(wrong, Echo(text: "x"), timeout: .seconds(5))
                XCTFail("expected a bad response")
            } catch {
                XCTAssertEqual(error, .badResponse(method: "test.echo", reason: "missing field 'number'"))
            }
        }
    }

    func testManyConcurrentRequests() async throws {
        try await withEchoWorker { client in
            let texts = try await withThrowingTaskGroup(of: String.self) { group in
                for i in 0..<2_000 {
                    group.addTask {
                        try await client.call(TestMethods.echo, Echo(text: "\(i)"), id: "r\(i)", containers: ["a"],
                                              timeout: .seconds(10)).text
                    }
                }
                return try await group.reduce(into: Set<String>()) { $0.insert($1) }
            }
            XCTAssertEqual(texts.count, 2_000)
        }
    }

    func testMalformedFramesAreCountedAndTheBrokerKeepsServing() async throws {
        try await withEchoWorker { client in
            client.sendRaw([[0, 0, 0, 50, 1, 2]])
            client.sendRaw([Array("not even a prefix".utf8)])
            client.sendRaw([[0, 0, 0, 2] + Array("{}".utf8)])
            client.sendRaw([[1], [2]])
            let reply = try await client.call(TestMethods.echo, Echo(text: "ok"), containers: ["a"], timeout: .seconds(5))
            XCTAssertEqual(reply.text, "echo:ok")
            let stats = try await client.call(BrokerStatistics.method, BusEmpty(), timeout: .seconds(5))
            XCTAssertEqual(stats.rejectedFrames, 4)
            XCTAssertEqual(stats.peersByService["compute"], 1)
        }
    }

    func testWorkerLossRedispatchesToAnotherWorker() async throws {
        let broker = try broker()
        defer { broker.stop() }
        // w1 takes requests but never answers, then vanishes.
        let silent = try peer("w1", service: .compute, containers: ["a"], pid: 101)
        let client = try peer("client", service: .gateway)
        try await Task.sleep(for: .milliseconds(100))
        let pending = Task {
            try await client.call(TestMethods.echo, Echo(text: "z"), id: "x", containers: ["a"], timeout: .seconds(10))
        }
        try await Task.sleep(for: .milliseconds(100))
        silent.stop()
        let worker = try peer("w2", service: .compute, containers: ["a"], pid: 102)
        let serving = serveEcho(worker)
        defer { serving.cancel(); worker.stop(); client.stop() }
        broker.processExited(pid: 101)
        let reply = try await pending.value
        XCTAssertEqual(reply.text, "echo:z")
    }

    /// A stream whose worker dies fails with `workerLost` (its chunks were already relayed).
    func testLostStreamWorkerIsAWorkerLostFailure() async throws {
        let broker = try broker()
        defer { broker.stop() }
        let silent = try peer("w1", service: .compute, containers: ["a"], pid: 201)
        let client = try peer("client", service: .gateway)
        defer { client.stop() }
        try await Task.sleep(for: .milliseconds(100))
        let events = client.stream(TestMethods.silent, Echo(text: ""), containers: ["a"], timeout: .seconds(10))
        try await Task.sleep(for: .milliseconds(100))
        silent.stop()
        broker.processExited(pid: 201)
        do {
            for try await _ in events {}
            XCTFail("the stream must fail")
        } catch let error as BusError {
            XCTAssertEqual(error.failure?.code, .workerLost)
        }
    }

    func testTimeoutWhenNobodyServes() async throws {
        let broker = try broker()
        defer { broker.stop() }
        let client = try peer("client", service: .gateway)
        defer { client.stop() }
        do {
            _ = try await client.call(TestMethods.echo, Echo(text: ""), id: "t", timeout: .milliseconds(300))
            XCTFail("expected a timeout")
        } catch {
            XCTAssertEqual(error, .timedOut(id: "t", after: .milliseconds(300)))
        }
    }

    /// Nothing is sent before `start()`: a request made earlier waits in the outbox and goes
    /// out (after the announcement) once the peer starts.
    func testPeerSendsNothingBeforeStart() async throws {
        let broker = try broker()
        defer { broker.stop() }
        let worker = try peer("w1", service: .compute, containers: ["a"])
        let serving = serveEcho(worker)
        let client = try BusPeer(options: .init(endpoint: endpoint, identity: "late",
                                                announcement: PeerAnnouncement(service: .gateway, pid: 3),
                                                heartbeatInterval: .milliseconds(50)), logger: logger)
        defer { serving.cancel(); worker.stop(); client.stop() }
        let pending = Task { try await client.call(TestMethods.echo, Echo(text: "early"), timeout: .seconds(5)) }
        try await Task.sleep(for: .milliseconds(300))
        let before = try await worker.call(BrokerStatistics.method, BusEmpty(), timeout: .seconds(5))
        XCTAssertEqual(before.peersByService["gateway"], nil, "an unstarted peer has not announced itself")
        XCTAssertEqual(before.routed, 0, "nor sent its request")
        try client.start()
        let response = try await pending.value
        XCTAssertEqual(response.text, "echo:early")
    }

    /// The broker as a `Service`: it serves once `run()` starts it, and `run()` returns (the
    /// broker stopped) when its task is cancelled.
    func testBrokerRunsAsAServiceUntilCancelled() async throws {
        let broker = Broker(options: .init(endpoint: endpoint, heartbeatInterval: .milliseconds(50)), logger: logger)
        let running = Task { try await broker.run() }
        let client = try peer("client", service: .gateway)
        defer { client.stop() }
        let stats = try await client.call(BrokerStatistics.method, BusEmpty(), timeout: .seconds(5))
        XCTAssertEqual(stats.peersByService["gateway"], 1)
        running.cancel()
        try await running.value
        do {
            _ = try await client.call(BrokerStatistics.method, BusEmpty(), timeout: .milliseconds(300))
            XCTFail("a stopped broker must not answer")
        } catch {
            guard case .timedOut = error else { return XCTFail("expected a timeout, got \(error)") }
        }
    }
}

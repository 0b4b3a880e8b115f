import Foundation
import Logging
import XCTest

@testable import InfernetBus

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

    func peer(_ identity: String, service: String, containers: [String] = [], pid: Int32 = 1) throws -> BusPeer {
        try BusPeer(options: .init(endpoint: endpoint, identity: identity,
                                   announcement: PeerAnnouncement(service: service, containers: containers, pid: pid),
                                   heartbeatInterval: 0.05), logger: logger)
    }

    func serveEcho(_ worker: BusPeer) -> Task<Void, Never> {
        Task {
            for await request in worker.incoming {
                if request.stream {
                    for piece in ["a", "b", "c"] { worker.send(BusChunk(id: request.id, data: piece)) }
                }
                worker.reply(BusReply(id: request.id, body: "echo:" + request.body))
            }
        }
    }

    func testRequestReplyAndStream() async throws {
        let broker = try Broker(options: .init(endpoint: endpoint, heartbeatInterval: 0.05), logger: logger)
        defer { broker.stop() }
        let worker = try peer("w1", service: "compute", containers: ["a"])
        let client = try peer("client", service: "gateway")
        let serving = serveEcho(worker)
        defer { serving.cancel(); worker.stop(); client.stop() }

        let reply = try await client.request(BusRequest(id: "1", service: "compute", method: "compute.run", containers: ["a"], body: "hi"), timeout: 5)
        XCTAssertEqual(reply.body, "echo:hi")

        var chunks: [String] = []
        var final: BusReply?
        for try await event in client.stream(BusRequest(id: "2", service: "compute", method: "compute.run", containers: ["a"], stream: true, body: "s"), timeout: 5) {
            switch event {
            case .chunk(let text): chunks.append(text)
            case .reply(let reply): final = reply
            }
        }
        XCTAssertEqual(chunks, ["a", "b", "c"])
        XCTAssertEqual(final?.body, "echo:s")
    }

    func testManyConcurrentRequests() async throws {
        let broker = try Broker(options: .init(endpoint: endpoint, heartbeatInterval: 0.05), logger: logger)
        defer { broker.stop() }
        let worker = try peer("w1", service: "compute", containers: ["a"])
        let client = try peer("client", service: "gateway")
        let serving = serveEcho(worker)
        defer { serving.cancel(); worker.stop(); client.stop() }
        let bodies = try await withThrowingTaskGroup(of: String.self) { group in
            for i in 0..<2_000 {
                group.addTask {
                    try await client.request(BusRequest(id: "r\(i)", service: "compute", method: "m", containers: ["a"], body: "\(i)"), timeout: 10).body
                }
            }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        XCTAssertEqual(bodies.count, 2_000)
    }

    func testMalformedFramesAreCountedAndTheBrokerKeepsServing() async throws {
        let broker = try Broker(options: .init(endpoint: endpoint, heartbeatInterval: 0.05), logger: logger)
        defer { broker.stop() }
        let worker = try peer("w1", service: "compute", containers: ["a"])
        let client = try peer("client", service: "gateway")
        let serving = serveEcho(worker)
        defer { serving.cancel(); worker.stop(); client.stop() }
        client.sendRaw([[0, 0, 0, 50, 1, 2]])
        client.sendRaw([Array("not even a prefix".utf8)])
        client.sendRaw([[0, 0, 0, 2] + Array("{}".utf8)])
        client.sendRaw([[1], [2]])
        let reply = try await client.request(BusRequest(id: "after", service: "compute", method: "m", containers: ["a"], body: "ok"), timeout: 5)
        XCTAssertEqual(reply.body, "echo:ok")
        let statsReply = try await client.request(BusRequest(id: "stats", service: BrokerStatistics.service, method: "stats", body: ""), timeout: 5)
        let stats = try BusBody.decode(BrokerStatistics.self, from: statsReply.body)
        XCTAssertEqual(stats.rejectedFrames, 4)
        XCTAssertEqual(stats.peersByService["compute"], 1)
    }

    func testWorkerLossRedispatchesToAnotherWorker() async throws {
        let broker = try Broker(options: .init(endpoint: endpoint, heartbeatInterval: 0.05, liveness: 4), logger: logger)
        defer { broker.stop() }
        // w1 takes requests but never answers, then vanishes.
        let silent = try peer("w1", service: "compute", containers: ["a"], pid: 101)
        let client = try peer("client", service: "gateway")
        try await Task.sleep(for: .milliseconds(100))
        let pending = Task { try await client.request(BusRequest(id: "x", service: "compute", method: "m", containers: ["a"], body: "z"), timeout: 10) }
        try await Task.sleep(for: .milliseconds(100))
        silent.stop()
        let worker = try peer("w2", service: "compute", containers: ["a"], pid: 102)
        let serving = serveEcho(worker)
        defer { serving.cancel(); worker.stop(); client.stop() }
        broker.processExited(pid: 101)
        let reply = try await pending.value
        XCTAssertEqual(reply.body, "echo:z")
    }

    func testTimeoutWhenNobodyServes() async throws {
        let broker = try Broker(options: .init(endpoint: endpoint, heartbeatInterval: 0.05), logger: logger)
        defer { broker.stop() }
        let client = try peer("client", service: "gateway")
        defer { client.stop() }
        do {
            _ = try await client.request(BusRequest(id: "t", service: "compute", method: "m", body: ""), timeout: 0.3)
            XCTFail("expected a timeout")
        } catch let error as BusError {
            XCTAssertEqual(error, .timedOut(id: "t", seconds: 0.3))
        }
    }
}

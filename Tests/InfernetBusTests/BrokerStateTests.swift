import XCTest

@testable import InfernetBus

final class BrokerStateTests: XCTestCase {
    let gateway = Array("gateway".utf8)
    let workerA = Array("compute-1".utf8)
    let workerB = Array("compute-2".utf8)

    func request(_ id: String, containers: [String] = ["a"], stream: Bool = false) -> BusMessage {
        .request(BusRequest(id: id, service: .compute, method: "compute.run", containers: containers, stream: stream, body: "{}"))
    }

    func join(_ state: inout BrokerState, _ identity: [UInt8], containers: [String], pid: Int32, capacity: Int = 100, at now: Duration = .zero) -> [BrokerState.Outgoing] {
        state.received(.ready(PeerAnnouncement(service: .compute, containers: containers, pid: pid, capacity: capacity)), from: identity, at: now)
    }

    func testRoutesToAWorkerServingEveryContainer() {
        var state = BrokerState(liveness: .seconds(1), queueTimeout: .seconds(10))
        _ = join(&state, workerA, containers: ["a"], pid: 1)
        _ = join(&state, workerB, containers: ["a", "b"], pid: 2)
        let out = state.received(request("r1", containers: ["a", "b"]), from: gateway, at: .zero)
        XCTAssertEqual(out.map(\.to), [workerB])
    }

    func testBalancesByInflightCount() {
        var state = BrokerState(liveness: .seconds(1), queueTimeout: .seconds(10))
        _ = join(&state, workerA, containers: ["a"], pid: 1)
        _ = join(&state, workerB, containers: ["a"], pid: 2)
        let targets = (0..<10).flatMap { state.received(request("r\($0)"), from: gateway, at: .zero).map(\.to) }
        XCTAssertEqual(targets.filter { $0 == workerA }.count, 5)
        XCTAssertEqual(targets.filter { $0 == workerB }.count, 5)
    }

    func testReplyGoesBackToTheRequester() {
        var state = BrokerState(liveness: .seconds(1), queueTimeout: .seconds(10))
        _ = join(&state, workerA, containers: ["a"], pid: 1)
        _ = state.received(request("r1"), from: gateway, at: .zero)
        let out = state.received(.reply(BusReply(id: "r1", body: "ok")), from: workerA, at: .zero)
        XCTAssertEqual(out, [.init(to: gateway, message: .reply(BusReply(id: "r1", body: "ok")))])
        XCTAssertTrue(state.pending.isEmpty)
    }

    func testQueuesUntilAWorkerJoins() {
        var state = BrokerState(liveness: .seconds(1), queueTimeout: .seconds(10))
        XCTAssertTrue(state.received(request("r1"), from: gateway, at: .zero).isEmpty)
        let out = join(&state, workerA, containers: ["a"], pid: 1, at: .seconds(1))
        XCTAssertEqual(out.map(\.to), [workerA])
    }

    func testDeadWorkersRequestsAreRedispatched() {
        var state = BrokerState(liveness: .seconds(1), queueTimeout: .seconds(10))
        _ = join(&state, workerA, containers: ["a"], pid: 1)
        _ = join(&state, workerB, containers: ["a"], pid: 2)
        for i in 0..<20 { _ = state.received(request("r\(i)"), from: gateway, at: .zero) }
        let out = state.processExited(pid: 1, at: .seconds(0.1))
        XCTAssertEqual(out.count, 10)
        XCTAssertTrue(out.allSatisfy { $0.to == workerB })
        XCTAssertEqual(state.statistics.redispatched, 10)
    }

    func testSilentWorkerIsDroppedAndItsWorkMoves() {
        var state = BrokerState(liveness: .seconds(1), queueTimeout: .seconds(10))
        _ = join(&state, workerA, containers: ["a"], pid: 1)
        _ = state.received(request("r1"), from: gateway, at: .zero)
        _ = join(&state, workerB, containers: ["a"], pid: 2, at: .seconds(1.5))
        _ = state.received(.heartbeat, from: gateway, at: .seconds(1.5))
        let (out, lost) = state.tick(at: .seconds(1.6))
        XCTAssertEqual(lost.map(\.pid), [1])
        XCTAssertTrue(out.contains(.init(to: workerB, message: request("r1"))))
    }

    func testStreamsFailInsteadOfRedispatch() {
        var state = BrokerState(liveness: .seconds(1), queueTimeout: .seconds(10))
        _ = join(&state, workerA, containers: ["a"], pid: 1)
        _ = state.received(request("s1", stream: true), from: gateway, at: .zero)
        let out = state.processExited(pid: 1, at: .seconds(0.1))
        guard case .reply(let reply) = out.first?.message else { return XCTFail("expected a reply, got \(out)") }
        XCTAssertEqual(reply.error?.code, .workerLost)
        XCTAssertEqual(out.first?.to, gateway)
    }

    func testRestartedWorkerReannouncingLosesItsWork() {
        var state = BrokerState(liveness: .seconds(1), queueTimeout: .seconds(10))
        _ = join(&state, workerA, containers: ["a"], pid: 1)
        _ = state.received(request("r1"), from: gateway, at: .zero)
        let out = join(&state, workerA, containers: ["a"], pid: 3, at: .seconds(0.5))
        XCTAssertEqual(out, [.init(to: workerA, message: request("r1"))])
    }

    func testDuplicateRequestRunsOnce() {
        var state = BrokerState(liveness: .seconds(1), queueTimeout: .seconds(10))
        _ = join(&state, workerA, containers: ["a"], pid: 1)
        XCTAssertEqual(state.received(request("r1"), from: gateway, at: .zero).count, 1)
        XCTAssertEqual(state.received(request("r1"), from: gateway, at: .zero).count, 0)
    }

    func testQueuedRequestExpiresWithAnError() {
        var state = BrokerState(liveness: .seconds(100), queueTimeout: .seconds(2))
        _ = state.received(request("r1", containers: ["zzz"]), from: gateway, at: .zero)
        let (out, _) = state.tick(at: .seconds(3))
        XCTAssertTrue(out.contains { if case .reply(let r) = $0.message { r.error?.code == .unavailable && r.error?.message.contains("zzz") == true } else { false } })
    }

    func testCapacityIsRespected() {
        var state = BrokerState(liveness: .seconds(1), queueTimeout: .seconds(10))
        _ = join(&state, workerA, containers: ["a"], pid: 1, capacity: 2)
        let sent = (0..<5).flatMap { state.received(request("r\($0)"), from: gateway, at: .zero) }
        XCTAssertEqual(sent.count, 2)
        XCTAssertEqual(state.statistics.queued, 3)
        let after = state.received(.reply(BusReply(id: "r0")), from: workerA, at: .zero)
        XCTAssertEqual(after.filter { $0.to == workerA }.count, 1)
    }

    func testHeartbeatFromStrangerAsksItToReannounce() {
        var state = BrokerState(liveness: .seconds(1), queueTimeout: .seconds(10))
        XCTAssertEqual(state.received(.heartbeat, from: workerA, at: .zero), [.init(to: workerA, message: .disconnect)])
    }
}

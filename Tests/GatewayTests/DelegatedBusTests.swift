import EVM
import Foundation
import InfernetSDK
import Gateway
import BusContract
import InfernetCore
import Logging
import XCTest

/// `BusDelegatedSubscriptions`: the subscription reaches a chain worker on the bus as a
/// `chain.delegated_subscription` request, and the gateway waits for its reply.
final class DelegatedBusTests: XCTestCase {
    struct Bus {
        let broker: Broker
        let gateway: BusPeer
        let endpoint: String

        init() throws {
            let directory = try TestNode.tempDirectory()
            endpoint = "ipc://\(directory.path)/bus.ipc"
            broker = Broker(options: Broker.Options(endpoint: endpoint, heartbeatInterval: .milliseconds(50)),
                            logger: TestNode.logger())
            try broker.start()
            gateway = try BusPeer(options: BusPeer.Options(
                endpoint: endpoint, identity: "gateway-\(UUID().uuidString.prefix(6))",
                announcement: PeerAnnouncement(service: .gateway, pid: getpid()), heartbeatInterval: .milliseconds(50)),
                logger: TestNode.logger())
            try gateway.start()
        }

        /// A peer announcing itself as the chain worker, started.
        func startChainWorker() throws -> BusPeer {
            let chain = try BusPeer(options: BusPeer.Options(
                endpoint: endpoint, identity: "chain-test",
                announcement: PeerAnnouncement(service: .chain, pid: getpid()), heartbeatInterval: .milliseconds(50)),
                logger: TestNode.logger())
            try chain.start()
            return chain
        }

        func stop() {
            gateway.stop()
            broker.stop()
        }
    }

    func testChainWorkerReceivesTheMessage() async throws {
        let bus = try Bus()
        defer { bus.stop() }
        let chain = try bus.startChainWorker()
        defer { chain.stop() }
        let received = Task { () -> BusRequest? in
            for await request in chain.incoming {
                chain.reply(BusReply(id: request.id, body: BusBody.encode(DelegatedSubscriptionAccepted(key: "delegate:x:1"))))
                return request
            }
            return nil
        }
        let message = DelegatedSubscriptionMessage(
            try Delegation.request(Delegation.subscription(), signedBy: Delegation.key(1)), containers: ["echo"])
        try await BusDelegatedSubscriptions(peer: bus.gateway, timeout: .seconds(5)).accept(message)
        let delivered = await received.value
        let request = try XCTUnwrap(delivered)
        XCTAssertEqual(request.method, Methods.chain.delegatedSubscription.name)
        XCTAssertEqual(try BusBody.decode(DelegatedSubscriptionMessage.self, from: request.body), message)
    }

    func testNoChainWorkerIs503() async throws {
        let bus = try Bus()
        defer { bus.stop() }
        let message = DelegatedSubscriptionMessage(
            try Delegation.request(Delegation.subscription(), signedBy: Delegation.key(1)), containers: ["echo"])
        do {
            try await BusDelegatedSubscriptions(peer: bus.gateway, timeout: .milliseconds(300)).accept(message)
            XCTFail("accepted without a chain worker")
        } catch {
            XCTAssertEqual(error.status, .serviceUnavailable)
            XCTAssertEqual(error.message, "Chain worker did not answer")
        }
    }

    /// A chain worker that is not ready answers `unavailable`: the client gets a 503 naming why.
    func testChainWorkerNotReadyIs503WithTheReason() async throws {
        let bus = try Bus()
        defer { bus.stop() }
        let chain = try bus.startChainWorker()
        defer { chain.stop() }
        var router = BusRouter(service: .chain)
        router.on(Methods.chain.delegatedSubscription) { _ in throw BusFailure(.unavailable, "not ready yet") }
        let serving = Task { [router] in
            for await request in chain.incoming { chain.reply(await router.handle(request)) }
        }
        defer { serving.cancel() }
        let message = DelegatedSubscriptionMessage(
            try Delegation.request(Delegation.subscription(), signedBy: Delegation.key(1)), containers: ["echo"])
        do {
            try await BusDelegatedSubscriptions(peer: bus.gateway, timeout: .seconds(5)).accept(message)
            XCTFail("accepted by a chain worker that is not ready")
        } catch {
            XCTAssertEqual(error.status, .serviceUnavailable)
            XCTAssertEqual(error.message, "Chain worker unavailable")
            XCTAssertEqual(error.params?["reason"], .string("not ready yet"))
        }
    }
}

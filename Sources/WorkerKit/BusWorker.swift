import InfernetBus
import InfernetCore
import Logging
import ServiceLifecycle

/// Serves the requests the broker routes to this peer through a router, many at once, and
/// drains on graceful shutdown: stop taking new requests, finish the ones in flight, then leave.
/// It owns the peer's lifecycle: starts it first, stops it last.
public struct BusWorkerService: Service, CustomStringConvertible {
    let peer: BusPeer
    let router: BusRouter
    let logger: Logger

    public init(peer: BusPeer, router: BusRouter, logger: Logger) {
        self.peer = peer
        self.router = router
        self.logger = logger
    }

    /// What the service group logs at debug level: the service and its methods, never config.
    public var description: String { "BusWorkerService(\(router.service): \(router.methods.joined(separator: ", ")))" }

    public func run() async throws {
        try peer.start()
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                for await request in peer.incoming {
                    group.addTask {
                        let writer = BusStreamWriter { peer.send(BusChunk(id: request.id, data: $0)) }
                        peer.reply(await router.handle(request, writer: writer))
                    }
                }
            }
        } onGracefulShutdown: {
            logger.info("draining: no new requests, finishing those in flight")
            peer.disconnect()
        }
        // Let the last replies leave the socket before the process exits.
        try? await Task.sleep(for: .milliseconds(50))
        peer.stop()
    }
}

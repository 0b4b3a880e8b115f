import InfernetBus
import InfernetCore
import Logging
import ServiceLifecycle

/// A bus request handler: given one request, produce its reply (chunks go through `peer`).
public protocol BusRequestHandler: Sendable {
    func handle(_ request: BusRequest, peer: BusPeer) async -> BusReply
}

/// Serves the requests the broker routes to this peer, many at once, and drains on graceful
/// shutdown: stop taking new requests, finish the ones in flight, then leave.
public struct BusWorkerService<Handler: BusRequestHandler>: Service, CustomStringConvertible {
    let peer: BusPeer
    let handler: Handler
    let logger: Logger

    public init(peer: BusPeer, handler: Handler, logger: Logger) {
        self.peer = peer
        self.handler = handler
        self.logger = logger
    }

    /// What the service group logs at debug level: the handler's type, never its config.
    public var description: String { "BusWorkerService<\(Handler.self)>" }

    public func run() async throws {
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                for await request in peer.incoming {
                    group.addTask {
                        let reply = await handler.handle(request, peer: peer)
                        peer.reply(reply)
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

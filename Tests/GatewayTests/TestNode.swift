import AsyncHTTPClient
import BusContract
import Foundation
import Gateway
import InfernetBus
import InfernetCore
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import TestSupport
import XCTest

/// A broker, a fake compute worker and a gateway on a free port, all in this process. Its HTTP
/// side (requests, submissions, polling) is the shared `NodeHTTPHarness`, as for the real node.
final class TestNode: NodeHTTPHarness, @unchecked Sendable {
    static let containersJSON = """
        [
          {"id": "echo", "description": "echoes", "image": "ritual/echo"},
          {"id": "chain2", "external": false},
          {"id": "fail"},
          {"id": "streamer"},
          {"id": "proofer", "generates_proofs": true},
          {"id": "internal", "external": false},
          {"id": "restricted", "allowed_ips": ["127.0.0.2/32"]},
          {"id": "slow", "timeout": 30}
        ]
        """

    let directory: URL
    let config: NodeConfig
    let broker: Broker
    let worker: FakeComputeWorker
    let gatewayPeer: BusPeer
    let store: JobStore
    let gateway: Gateway
    let serviceGroup: ServiceGroup
    let runTask: Task<Void, any Error>
    let port: Int

    static func logger() -> Logger {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return logger
    }

    /// `statusWait`: `server.job_status_wait` in seconds (nil: the default).
    static func makeConfig(rateLimit: Int = 100_000, statusWait: Double? = nil, directory: URL) throws -> NodeConfig {
        let wait = statusWait.map { #", "job_status_wait": \#($0)"# } ?? ""
        let text = """
            {"server": {"port": 4000, "rate_limit": {"num_requests": \(rateLimit), "period": 60}\(wait)},
             "containers": \(containersJSON),
             "node": {"data_dir": "\(directory.path)"}}
            """
        return try NodeConfig.parse(Array(text.utf8))
    }

    static func tempDirectory() throws -> URL { try HarnessResources.temporaryDirectory(prefix: "gw") }

    /// `directory`: reuse a data directory (restart tests); `startWorker`: false to start it later.
    init(rateLimit: Int = 100_000, statusWait: Double? = nil, directory: URL? = nil,
         grace: Duration = .seconds(10)) async throws {
        let directory = try directory ?? TestNode.tempDirectory()
        self.directory = directory
        config = try TestNode.makeConfig(rateLimit: rateLimit, statusWait: statusWait, directory: directory)
        let logger = TestNode.logger()
        let endpoint = "ipc://\(directory.path)/bus.ipc"
        broker = Broker(options: Broker.Options(endpoint: endpoint, heartbeatInterval: .milliseconds(50)), logger: logger)
        try broker.start()
        worker = try FakeComputeWorker(endpoint: endpoint, logger: logger)
        gatewayPeer = try BusPeer(
            options: BusPeer.Options(endpoint: endpoint, identity: "gateway-\(UUID().uuidString.prefix(6))",
                                     announcement: PeerAnnouncement(service: .gateway, pid: getpid()),
                                     heartbeatInterval: .milliseconds(50)),
            logger: logger)
        try gatewayPeer.start()
        store = try JobStore(path: JobStore.path(dataDirectory: directory.path))
        var options = Gateway.Options(host: "127.0.0.1", port: 0)
        options.dispatcher.grace = grace
        gateway = Gateway(config: config, store: store, bus: BusComputeClient(peer: gatewayPeer), options: options, logger: logger)
        let (portStream, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let app = gateway.makeApplication { channel in
            portContinuation.yield(channel.localAddress?.port ?? 0)
            portContinuation.finish()
        }
        serviceGroup = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let group = serviceGroup
        runTask = Task { try await group.run() }
        var found = 0
        for await value in portStream { found = value }
        port = found
    }

    func shutdown() async {
        await serviceGroup.triggerGracefulShutdown()
        _ = try? await runTask.value
        gatewayPeer.stop()
        worker.stop()
        broker.stop()
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A compute worker on the bus: chains echo their input, `fail` fails, streams send chunks.
final class FakeComputeWorker: Sendable {
    let peer: BusPeer
    let task: Task<Void, Never>

    init(endpoint: String, logger: Logger) throws {
        let peer = try BusPeer(
            options: BusPeer.Options(
                endpoint: endpoint, identity: "compute-\(UUID().uuidString.prefix(6))",
                announcement: PeerAnnouncement(
                    service: .compute,
                    containers: ["echo", "chain2", "fail", "streamer", "proofer", "internal", "restricted", "slow"],
                    pid: getpid()),
                heartbeatInterval: .milliseconds(50)),
            logger: logger)
        try peer.start()
        self.peer = peer
        let router = Self.router
        task = Task {
            await withDiscardingTaskGroup { group in
                for await request in peer.incoming {
                    group.addTask {
                        peer.reply(await router.handle(request, writer: BusStreamWriter { peer.send(BusChunk(id: request.id, data: $0)) }))
                    }
                }
            }
        }
    }

    func stop() {
        peer.stop()
        task.cancel()
    }

    static var router: BusRouter {
        var router = BusRouter(service: .compute)
        router.on(Methods.compute.resources) { query in
            var resources = ["echo": #"{"version":"1.0","service_id":"echo"}"#, "broken": "not json"]
            if let model = query.modelID { resources = ["echo": #"{"supported":\#(model == "m1")}"#] }
            return ResourcesResult(resources: resources)
        }
        router.on(Methods.compute.run, streaming: { compute, chunks in await run(compute, chunks: chunks) })
        return router
    }

    static func run(_ compute: ComputeRequest, chunks: BusStreamWriter) async -> ComputeResult {
        if compute.stream {
            let pieces = ["Hello, ", "streaming ", "world!"]
            for piece in pieces {
                chunks.write(piece)
                try? await Task.sleep(for: .milliseconds(150))
            }
            let outcome = ContainerOutcome(container: compute.containers[0], output: "{\"output\":" + JSONValue.string(pieces.joined()).jsonText + "}")
            return ComputeResult(jobID: compute.jobID, outcomes: [outcome])
        }
        var outcomes: [ContainerOutcome] = []
        var data = compute.data
        for container in compute.containers {
            if container == "fail" {
                outcomes.append(ContainerOutcome(container: container, error: "container 'fail' answered HTTP 500"))
                break
            }
            if container == "slow" { try? await Task.sleep(for: .milliseconds(1500)) }
            let output = "{\"container\":\(JSONValue.string(container).jsonText),\"input\":\(data)}"
            outcomes.append(ContainerOutcome(container: container, output: output))
            data = output
        }
        return ComputeResult(jobID: compute.jobID, outcomes: outcomes)
    }
}

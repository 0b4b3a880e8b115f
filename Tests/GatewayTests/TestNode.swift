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
import XCTest

/// A broker, a fake compute worker and a gateway on a free port, all in this process.
final class TestNode: @unchecked Sendable {
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
    let http = HTTPClient.shared

    static func logger() -> Logger {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return logger
    }

    static func makeConfig(rateLimit: Int = 100_000, directory: URL) throws -> NodeConfig {
        let text = """
            {"server": {"port": 4000, "rate_limit": {"num_requests": \(rateLimit), "period": 60}},
             "containers": \(containersJSON),
             "node": {"data_dir": "\(directory.path)"}}
            """
        return try NodeConfig.parse(Array(text.utf8))
    }

    static func tempDirectory() throws -> URL {
        let url = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("gw-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// `directory`: reuse a data directory (restart tests); `startWorker`: false to start it later.
    init(rateLimit: Int = 100_000, directory: URL? = nil, grace: Double = 10) async throws {
        let directory = try directory ?? TestNode.tempDirectory()
        self.directory = directory
        config = try TestNode.makeConfig(rateLimit: rateLimit, directory: directory)
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

    var base: String { "http://127.0.0.1:\(port)" }

    struct Answer {
        var status: Int
        var body: String
        var headers: [(String, String)]
        var json: JSONValue? { try? JSONValue(parsing: body) }
    }

    func call(_ method: HTTPMethod, _ path: String, body: String? = nil) async throws -> Answer {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        if let body {
            request.body = .bytes(ByteBuffer(string: body))
            request.headers.add(name: "content-type", value: "application/json")
        }
        let response = try await http.execute(request, timeout: .seconds(10))
        let buffer = try await response.body.collect(upTo: 16 << 20)
        return Answer(status: Int(response.status.code), body: String(buffer: buffer),
                      headers: response.headers.map { ($0.name, $0.value) })
    }

    func submit(_ body: String) async throws -> String {
        let answer = try await call(.POST, "/api/jobs", body: body)
        guard answer.status == 200, let id = answer.json?["id"]?.stringValue else {
            throw TestFailure("submit failed: \(answer.status) \(answer.body)")
        }
        return id
    }

    /// Polls until the job is no longer running.
    func result(_ id: String, intermediate: Bool = false, timeout: Double = 10) async throws -> JSONValue {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let answer = try await call(.GET, "/api/jobs?id=\(id)" + (intermediate ? "&intermediate=true" : ""))
            if let item = answer.json?.arrayValue?.first, item["status"]?.stringValue != "running" { return item }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw TestFailure("job \(id) still running after \(timeout) s")
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

import AsyncHTTPClient
import EVM
import Foundation
import Hummingbird
import InfernetCore
import Logging
import NIOCore
import ServiceClients
import ServiceKit
import Testing

/// What a fake upstream answers.
enum FakeAnswer: Sendable {
    case json(Int, JSONValue)
    /// Server-sent events: each string is sent as its own chunk, `delay` apart.
    case events([String], delay: Duration = .milliseconds(30))
}

/// One request the fake upstream received.
struct Received: Sendable {
    var method: String
    var path: String
    var authorization: String?
    var body: JSONValue?
}

/// Records requests and counts hits.
actor Recorder {
    private(set) var requests: [Received] = []
    func record(_ received: Received) -> Int {
        requests.append(received)
        return requests.count
    }
    var count: Int { requests.count }
    var last: Received? { requests.last }
}

/// A local HTTP server speaking a hosted API's format: `answer(request, hit number)` decides.
struct FakeUpstream {
    typealias Answer = @Sendable (Received, Int) async -> FakeAnswer

    static func run<Value>(_ answer: @escaping Answer,
                           _ body: (_ baseURL: String, _ recorder: Recorder) async throws -> Value) async throws -> Value {
        let recorder = Recorder()
        let router = Router(context: BasicRequestContext.self)
        let handle: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, _ in
            let bytes = try await request.body.collect(upTo: 1 << 20)
            let json = bytes.readableBytes == 0 ? nil : try? JSONValue(parsing: bytes.readableBytesView)
            let received = Received(method: request.method.rawValue, path: request.uri.path,
                                    authorization: request.headers[.authorization], body: json)
            let hit = await recorder.record(received)
            switch await answer(received, hit) {
            case .json(let status, let value):
                return Response.json(value, status: HTTPResponse.Status(code: status))
            case .events(let events, let delay):
                return Response(status: .ok, headers: [.contentType: "text/event-stream"], body: ResponseBody { writer in
                    for event in events {
                        try await writer.write(ByteBuffer(string: event))
                        try await Task.sleep(for: delay)
                    }
                    try await writer.finish(nil)
                })
            }
        }
        router.post("**", use: handle)
        router.get("**", use: handle)
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in
                                  continuation.yield(channel.localAddress?.port ?? 0)
                                  continuation.finish()
                              }, logger: quietLogger("fake-upstream"))
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.run() }
            var iterator = ports.makeAsyncIterator()
            let port = await iterator.next() ?? 0
            defer { group.cancelAll() }
            return try await body("http://127.0.0.1:\(port)", recorder)
        }
    }
}

/// Fast retries for tests.
let fastRetry = RetryPolicy(maxAttempts: 3, initialDelay: .milliseconds(5), multiplier: 2, jitter: .milliseconds(2))

/// A service's answer as seen by the node.
struct ServiceAnswer {
    var status: Int
    var contentType: String?
    var chunks: [String]
    var text: String { chunks.joined() }
    var json: JSONValue { (try? JSONValue(parsing: text)) ?? .null }

    /// Checks `{code, name, description}` and returns the description.
    func expectError(_ code: Int, sourceLocation: SourceLocation = #_sourceLocation) -> String {
        #expect(status == code, "body: \(text)", sourceLocation: sourceLocation)
        #expect(json.objectValue?.keys == ["code", "name", "description"], "body: \(text)", sourceLocation: sourceLocation)
        #expect(json["code"]?.numberValue?.intValue == code, sourceLocation: sourceLocation)
        return json["description"]?.stringValue ?? ""
    }
}

/// Runs `application` on a free port and posts `body` to `/service_output`.
func call(_ application: ServiceApplication, _ body: JSONValue) async throws -> ServiceAnswer {
    var application = application
    application.logger = quietLogger("service")
    return try await application.withRunningServer { port in
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/service_output")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: body.jsonText))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        var chunks: [String] = []
        for try await buffer in response.body { chunks.append(String(buffer: buffer)) }
        return ServiceAnswer(status: Int(response.status.code), contentType: response.headers.first(name: "content-type"), chunks: chunks)
    }
}

let serverConfiguration = ServiceConfiguration(host: "127.0.0.1", port: 0)

/// A container-protocol request body.
func requestBody(source: Int = 1, destination: Int = 1, data: JSONValue) -> JSONValue {
    ["source": .number(JSONNumber(source)), "destination": .number(JSONNumber(destination)), "data": data, "requires_proof": false]
}

/// The bytes of a hex string (no 0x).
func bytes(hex: String?) -> Data { (try? Hex.decode(hex ?? "")) ?? Data() }

func quietLogger(_ label: String) -> Logger {
    var logger = Logger(label: label)
    logger.logLevel = .critical
    return logger
}

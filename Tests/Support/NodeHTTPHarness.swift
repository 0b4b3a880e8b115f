import AsyncHTTPClient
import Foundation
import InfernetCore
import NIOCore
import NIOHTTP1

/// A node under test, reached over real HTTP on 127.0.0.1. Both harnesses conform — the
/// in-process gateway of GatewayTests (`TestNode`) and the real `infernet-node` binary of
/// NodeTests (`NodeHarness`) — so requests, submissions and result polling are written once.
public protocol NodeHTTPHarness: AnyObject, Sendable {
    /// The port the node's HTTP API listens on.
    var port: Int { get }
}

/// One HTTP answer of the node.
public struct HTTPReply: Sendable {
    public var status: Int
    public var body: String
    public var headers: [(String, String)]
    public var json: JSONValue? { try? JSONValue(parsing: body) }
}

/// Why a harness step failed; the message says what was expected.
public enum HarnessError: Error, CustomStringConvertible {
    case notHealthy(log: String)
    case unexpected(Int, String)
    case timedOut(String)

    public var description: String {
        switch self {
        case .notHealthy(let log): "node did not become healthy; its log:\n\(log.suffix(4000))"
        case .unexpected(let status, let body): "unexpected HTTP \(status): \(body)"
        case .timedOut(let what): "timed out waiting for \(what)"
        }
    }
}

extension NodeHTTPHarness {
    public var base: String { "http://127.0.0.1:\(port)" }
    public var http: HTTPClient { .shared }

    public func request(_ method: HTTPMethod, _ path: String, body: String? = nil) async throws -> HTTPReply {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        if let body {
            request.headers.add(name: "content-type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await http.execute(request, timeout: .seconds(30))
        let buffer = try await response.body.collect(upTo: 64 << 20)
        return HTTPReply(status: Int(response.status.code), body: String(buffer: buffer),
                         headers: response.headers.map { ($0.name, $0.value) })
    }

    public func get(_ path: String) async throws -> HTTPReply { try await request(.GET, path) }
    public func post(_ path: String, _ body: String) async throws -> HTTPReply { try await request(.POST, path, body: body) }

    /// Submits a job (the whole `POST /api/jobs` body) and returns its id.
    public func submit(_ body: String) async throws -> String {
        let reply = try await post("/api/jobs", body)
        guard reply.status == 200, let id = reply.json?["id"]?.stringValue else { throw HarnessError.unexpected(reply.status, reply.body) }
        return id
    }

    /// Submits a job for `containers` with `data` (JSON text) and returns its id.
    public func submit(containers: [String], data: String = #"{"x": 1}"#) async throws -> String {
        let quoted = containers.map { "\"\($0)\"" }.joined(separator: ",")
        return try await submit(#"{"containers": [\#(quoted)], "data": \#(data)}"#)
    }

    /// Polls until the job is no longer running; returns its JobResult.
    public func waitForResult(_ id: String, intermediate: Bool = false, timeout: Double = 30) async throws -> JSONValue {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let reply = try await get("/api/jobs?id=\(id)\(intermediate ? "&intermediate=true" : "")")
            if let job = reply.json?.arrayValue?.first, job["status"]?.stringValue != "running" { return job }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw HarnessError.timedOut("job \(id) still running after \(timeout) s")
    }
}

/// Scratch space and ports for the harnesses.
public enum HarnessResources {
    /// A new empty directory under the system's temporary directory.
    public static func temporaryDirectory(prefix: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A TCP port nobody is listening on right now.
    public static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

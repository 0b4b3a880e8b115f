import AsyncHTTPClient
import Foundation
import InfernetCore
import Logging
import NIOCore
import NIOHTTP1

/// A client of the Docker Engine API (dockerd, or podman's compatible service) on a Unix socket
/// (`unix:///path`) or TCP (`tcp://host:port`), speaking the API version both sides support.
struct DockerEngine: Sendable {
    /// The newest API version this client is written against.
    static let clientVersion = APIVersion(major: 1, minor: 43)
    /// The oldest this client works with (`DeviceRequests` came in 1.40).
    static let oldestVersion = APIVersion(major: 1, minor: 40)

    let endpoint: String
    let http: HTTPClient
    let credentials: DockerCredentials?
    /// min(engine's, client's): set by `negotiate()`.
    private(set) var version = DockerEngine.clientVersion

    /// The URL prefix requests go to: `http+unix://<escaped socket path>` or `http://host:port`.
    private let base: String
    private let isUnix: Bool

    init(endpoint: String, http: HTTPClient, credentials: DockerCredentials?) throws(DockerError) {
        self.endpoint = endpoint
        self.http = http
        self.credentials = credentials
        if endpoint.hasPrefix("unix://") {
            let path = String(endpoint.dropFirst("unix://".count))
            guard path.hasPrefix("/") else { throw .badEndpoint(endpoint) }
            base = "http+unix://" + (path.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? path)
            isUnix = true
        } else if endpoint.hasPrefix("tcp://") {
            base = "http://" + endpoint.dropFirst("tcp://".count).trimmingSuffix("/")
            isUnix = false
        } else {
            throw .badEndpoint(endpoint)
        }
    }

    /// Asks the engine its API version (`GET /version`, unversioned) and uses min(engine, client).
    mutating func negotiate() async throws(DockerError) {
        let reply = try await call(.GET, "/version", versioned: false, timeout: .seconds(10))
        guard reply.status == 200 else { throw .api(action: "report its version", message: reply.message) }
        let info = try? JSONDecoder().decode(VersionInfo.self, from: reply.body)
        guard let engineVersion = info.flatMap({ APIVersion($0.apiVersion) }) else {
            throw .api(action: "report its version", message: "no ApiVersion in \(String(decoding: reply.body.prefix(200), as: UTF8.self))")
        }
        let chosen = min(engineVersion, Self.clientVersion)
        guard chosen >= Self.oldestVersion else { throw .tooOld(engine: engineVersion.description, needed: Self.oldestVersion.description) }
        version = chosen
    }

    // MARK: Images

    /// The image's ID if it is present locally.
    func imageID(_ image: String) async throws(DockerError) -> String? {
        let reply = try await call(.GET, "/images/\(Self.pathEscaped(image))/json")
        if reply.status == 404 { return nil }
        guard reply.status == 200 else { throw .api(action: "inspect image '\(image)'", message: reply.message) }
        return (try? JSONDecoder().decode(ImageInspect.self, from: reply.body))?.id
    }

    /// Pulls the image (`POST /images/create`). The engine reports failures inside a 200 stream
    /// of JSON lines as well as by status, so both are checked.
    func pull(_ image: String) async throws(DockerError) {
        var headers = HTTPHeaders()
        if let credentials {
            // Sent only here, never logged: base64url JSON as the API defines X-Registry-Auth.
            let auth = RegistryAuth(username: credentials.username, password: credentials.password.value)
            let json = (try? JSONEncoder().encode(auth)) ?? Data()
            let encoded = json.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            headers.add(name: "X-Registry-Auth", value: encoded)
        }
        let reply = try await call(.POST, "/images/create?fromImage=\(Self.queryEscaped(image))", headers: headers, timeout: .seconds(1800))
        guard reply.status == 200 else { throw .pull(image: image, message: redacted(reply.message)) }
        for line in reply.body.split(separator: UInt8(ascii: "\n")) {
            if let progress = try? JSONDecoder().decode(PullProgress.self, from: Data(line)),
               let error = progress.error ?? progress.errorDetail?.message {
                throw .pull(image: image, message: redacted(error))
            }
        }
    }

    // MARK: Containers

    func inspectContainer(_ name: String) async throws(DockerError) -> ContainerInspect? {
        let reply = try await call(.GET, "/containers/\(Self.pathEscaped(name))/json")
        if reply.status == 404 { return nil }
        guard reply.status == 200 else { throw .api(action: "inspect container '\(name)'", message: reply.message) }
        do {
            return try JSONDecoder().decode(ContainerInspect.self, from: reply.body)
        } catch {
            throw .api(action: "inspect container '\(name)'", message: "unreadable reply: \(error)")
        }
    }

    func create(_ name: String, _ body: ContainerCreate) async throws(DockerError) {
        let data = (try? JSONEncoder().encode(body)) ?? Data()
        let reply = try await call(.POST, "/containers/create?name=\(Self.queryEscaped(name))", body: data)
        guard reply.status == 201 || reply.status == 200 else { throw .api(action: "create container '\(name)'", message: reply.message) }
    }

    func start(_ name: String) async throws(DockerError) {
        let reply = try await call(.POST, "/containers/\(Self.pathEscaped(name))/start")
        // 304: already running.
        guard reply.status == 204 || reply.status == 304 || reply.status == 200 else {
            throw .api(action: "start container '\(name)'", message: reply.message)
        }
    }

    /// Stops the container, giving it `grace` seconds before the engine kills it.
    func stop(_ name: String, grace: Int) async throws(DockerError) {
        let reply = try await call(.POST, "/containers/\(Self.pathEscaped(name))/stop?t=\(grace)", timeout: .seconds(Int64(grace) + 10))
        guard [204, 304, 200, 404].contains(reply.status) else { throw .api(action: "stop container '\(name)'", message: reply.message) }
    }

    func remove(_ name: String) async throws(DockerError) {
        let reply = try await call(.DELETE, "/containers/\(Self.pathEscaped(name))?force=true")
        guard [204, 200, 404].contains(reply.status) else { throw .api(action: "remove container '\(name)'", message: reply.message) }
    }

    // MARK: Transport

    struct Reply {
        var status: UInt
        var body: Data
        /// The engine's error text: `message` of its JSON error body, else the body itself.
        var message: String {
            if let error = try? JSONDecoder().decode(EngineErrorBody.self, from: body), let message = error.message, !message.isEmpty {
                return message
            }
            let text = String(decoding: body.prefix(500), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            return text.isEmpty ? "HTTP \(status)" : "HTTP \(status): \(text)"
        }
    }

    private func call(
        _ method: HTTPMethod, _ path: String, versioned: Bool = true, headers: HTTPHeaders = [:], body: Data? = nil,
        timeout: TimeAmount = .seconds(60)
    ) async throws(DockerError) -> Reply {
        var request = HTTPClientRequest(url: base + (versioned ? "/v\(version)" : "") + path)
        request.method = method
        request.headers = headers
        // AsyncHTTPClient sends no Host header on http+unix URLs, and the engine's Go HTTP server
        // refuses requests without one (400 "missing required Host header").
        if isUnix { request.headers.replaceOrAdd(name: "Host", value: "localhost") }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        do {
            let response = try await http.execute(request, timeout: timeout)
            let bytes = try await response.body.collect(upTo: 64 << 20)
            return Reply(status: response.status.code, body: Data(bytes.readableBytesView))
        } catch {
            throw .unreachable(endpoint: endpoint, reason: "\(error)")
        }
    }

    /// Error text from the engine with the registry password removed, in case it is echoed.
    private func redacted(_ text: String) -> String {
        guard let password = credentials?.password.value, !password.isEmpty else { return text }
        return text.replacingOccurrences(of: password, with: "<redacted>")
    }

    static func pathEscaped(_ value: String) -> String {
        // Image names keep their slashes and colons: the API routes `/images/{name:.*}/json`.
        value.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~/:@"))) ?? value
    }

    static func queryEscaped(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~/:@"))) ?? value
    }
}

/// A Docker Engine API version, `major.minor`.
struct APIVersion: Comparable, Sendable, CustomStringConvertible {
    var major: Int
    var minor: Int

    init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }

    init?(_ text: String) {
        let parts = text.split(separator: ".")
        guard parts.count >= 2, let major = Int(parts[0]), let minor = Int(parts[1]) else { return nil }
        self.init(major: major, minor: minor)
    }

    var description: String { "\(major).\(minor)" }

    static func < (lhs: APIVersion, rhs: APIVersion) -> Bool { (lhs.major, lhs.minor) < (rhs.major, rhs.minor) }
}

private extension Substring {
    func trimmingSuffix(_ suffix: String) -> String { hasSuffix(suffix) ? String(dropLast(suffix.count)) : String(self) }
}

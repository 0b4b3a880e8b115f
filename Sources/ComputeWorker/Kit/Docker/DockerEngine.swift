import AsyncHTTPClient
import Foundation
import InfernetCore
import Logging
import NIOCore
import NIOHTTP1

/// Runs `image` containers through the Docker Engine API on its Unix socket.
struct DockerEngine {
    static let socketPath = "/var/run/docker.sock"
    let http: HTTPClient
    let credentials: DockerCredentials?
    let logger: Logger

    static var isAvailable: Bool { FileManager.default.fileExists(atPath: socketPath) }

    private func url(_ path: String) -> String {
        "http+unix://" + Self.socketPath.replacingOccurrences(of: "/", with: "%2F") + "/v1.41" + path
    }

    private func call(_ method: HTTPMethod, _ path: String, body: [String: Any]? = nil) async throws -> (UInt, String) {
        var request = HTTPClientRequest(url: url(path))
        request.method = method
        request.headers.add(name: "Content-Type", value: "application/json")
        if let credentials {
            let auth = try JSONSerialization.data(withJSONObject: ["username": credentials.username, "password": credentials.password.value])
            request.headers.add(name: "X-Registry-Auth", value: auth.base64EncodedString())
        }
        if let body { request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body))) }
        let response = try await http.execute(request, timeout: .seconds(600))
        let text = String(buffer: try await response.body.collect(upTo: 16 << 20))
        return (response.status.code, text)
    }

    /// Pulls the image if needed, (re)creates the container named `infernet-<id>` and starts it.
    func start(_ container: ContainerConfig) async throws {
        let name = "infernet-\(container.id)"
        _ = try? await call(.DELETE, "/containers/\(name)?force=true")
        let (pullStatus, pullText) = try await call(.POST, "/images/create?fromImage=\(container.image)")
        if pullStatus >= 300 { logger.warning("docker pull failed, trying the local image", metadata: ["image": "\(container.image)", "reply": "\(pullText.prefix(200))"]) }
        var hostConfig: [String: Any] = [
            "PortBindings": ["3000/tcp": [["HostIp": "127.0.0.1", "HostPort": String(container.port)]]],
            "Binds": container.volumes,
            "RestartPolicy": ["Name": "unless-stopped"],
        ]
        if container.gpu {
            hostConfig["DeviceRequests"] = [["Driver": "nvidia", "Count": -1, "Capabilities": [["gpu"]]]]
        }
        var body: [String: Any] = [
            "Image": container.image,
            "Env": container.env.map { "\($0.key)=\($0.value)" },
            "ExposedPorts": ["3000/tcp": [:] as [String: Any]],
            "HostConfig": hostConfig,
        ]
        if !container.command.isEmpty { body["Cmd"] = container.command.split(separator: " ").map(String.init) }
        let (status, text) = try await call(.POST, "/containers/create?name=\(name)", body: body)
        guard status < 300 else { throw DockerError.api("create \(name)", text) }
        let (startStatus, startText) = try await call(.POST, "/containers/\(name)/start")
        guard startStatus < 300 else { throw DockerError.api("start \(name)", startText) }
    }

    func stop(_ container: ContainerConfig) async {
        _ = try? await call(.POST, "/containers/infernet-\(container.id)/stop?t=10")
    }
}

enum DockerError: Error, CustomStringConvertible {
    case api(String, String)
    var description: String {
        switch self {
        case .api(let action, let reply): "Docker Engine API refused to \(action): \(reply.prefix(300))"
        }
    }
}

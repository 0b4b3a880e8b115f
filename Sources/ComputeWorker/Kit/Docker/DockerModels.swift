import Foundation

// The Engine API's JSON shapes this node sends and reads (only the fields it uses).

struct VersionInfo: Decodable {
    var apiVersion: String
    enum CodingKeys: String, CodingKey { case apiVersion = "ApiVersion" }
}

struct ImageInspect: Decodable {
    var id: String
    enum CodingKeys: String, CodingKey { case id = "Id" }
}

struct PullProgress: Decodable {
    struct Detail: Decodable { var message: String? }
    var error: String?
    var errorDetail: Detail?
}

struct EngineErrorBody: Decodable {
    var message: String?
}

struct RegistryAuth: Encodable {
    var username: String
    var password: String
}

struct ContainerInspect: Decodable {
    struct State: Decodable {
        var status: String?
        var running: Bool?
        var pid: Int?
        var exitCode: Int?
        var error: String?
        enum CodingKeys: String, CodingKey {
            case status = "Status", running = "Running", pid = "Pid", exitCode = "ExitCode", error = "Error"
        }
    }

    struct HostConfig: Decodable {
        var portBindings: [String: [PortBinding]?]?
        enum CodingKeys: String, CodingKey { case portBindings = "PortBindings" }
    }

    var id: String
    /// The ID of the image the container was created from.
    var image: String
    var state: State
    var hostConfig: HostConfig?
    var restartCount: Int?

    enum CodingKeys: String, CodingKey {
        case id = "Id", image = "Image", state = "State", hostConfig = "HostConfig", restartCount = "RestartCount"
    }

    /// The host port the container's 3000/tcp is published on.
    var publishedPort: Int? {
        hostConfig?.portBindings?["3000/tcp"]??.first.flatMap { Int($0.hostPort) }
    }
}

struct PortBinding: Codable, Equatable {
    var hostIP: String
    var hostPort: String
    enum CodingKeys: String, CodingKey { case hostIP = "HostIp", hostPort = "HostPort" }
}

/// `POST /containers/create`: the fields the reference node sets, plus volumes.
struct ContainerCreate: Encodable {
    struct Empty: Encodable {}

    struct RestartPolicy: Encodable {
        var name: String
        var maximumRetryCount: Int
        enum CodingKeys: String, CodingKey { case name = "Name", maximumRetryCount = "MaximumRetryCount" }
    }

    struct DeviceRequest: Encodable {
        var driver: String
        var count: Int
        var deviceIDs: [String]?
        var capabilities: [[String]]
        var options: [String: String]
        enum CodingKeys: String, CodingKey {
            case driver = "Driver", count = "Count", deviceIDs = "DeviceIDs", capabilities = "Capabilities", options = "Options"
        }
    }

    struct HostConfig: Encodable {
        var portBindings: [String: [PortBinding]]
        var binds: [String]?
        var restartPolicy: RestartPolicy
        var deviceRequests: [DeviceRequest]?
        enum CodingKeys: String, CodingKey {
            case portBindings = "PortBindings", binds = "Binds", restartPolicy = "RestartPolicy", deviceRequests = "DeviceRequests"
        }
    }

    var image: String
    var env: [String]
    var cmd: [String]?
    var exposedPorts: [String: Empty]
    var labels: [String: String]
    var hostConfig: HostConfig

    enum CodingKeys: String, CodingKey {
        case image = "Image", env = "Env", cmd = "Cmd", exposedPorts = "ExposedPorts", labels = "Labels", hostConfig = "HostConfig"
    }
}

/// Failures of the engine or its API, each naming what was being done.
enum DockerError: Error, CustomStringConvertible {
    case badEndpoint(String)
    case unreachable(endpoint: String, reason: String)
    case tooOld(engine: String, needed: String)
    case api(action: String, message: String)
    case pull(image: String, message: String)
    case imageMissing(image: String, reason: String)

    var description: String {
        switch self {
        case .badEndpoint(let endpoint):
            "Docker endpoint '\(endpoint)' must be unix:///path or tcp://host:port (node.docker_host or DOCKER_HOST)"
        case .unreachable(let endpoint, let reason):
            "the container engine at \(endpoint) is not reachable (\(reason)); start it or set node.docker_host / DOCKER_HOST"
        case .tooOld(let engine, let needed):
            "the container engine speaks Docker Engine API \(engine); this node needs \(needed) or newer"
        case .api(let action, let message):
            "the container engine could not \(action): \(message)"
        case .pull(let image, let message):
            "pulling image '\(image)' failed: \(message)"
        case .imageMissing(let image, let reason):
            "image '\(image)' is not present locally (\(reason))"
        }
    }
}

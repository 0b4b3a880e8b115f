import AsyncHTTPClient
import Foundation
import InfernetCore
import Logging

/// Starts and supervises the containers this host runs itself (`command` as local processes,
/// `image` through Docker), waits until they answer `GET /`, and stops them on shutdown.
///
/// On a node the supervisor runs this once for all local compute workers; a standalone compute
/// worker on a GPU host runs it itself (`--manage-containers`).
public actor ContainerManager {
    let config: NodeConfig
    let http: HTTPClient
    let logger: Logger
    private var processes: [ManagedProcess] = []
    private var dockerContainers: [ContainerConfig] = []

    public init(config: NodeConfig, http: HTTPClient, logger: Logger) {
        self.config = config
        self.http = http
        self.logger = logger
    }

    /// Containers whose runtime cannot work here (Docker images without a Docker socket).
    public static func unavailable(in config: NodeConfig) -> [ContainerConfig] {
        guard config.manageContainers, !DockerEngine.isAvailable else { return [] }
        return config.containers.filter { if case .docker = $0.runtime { true } else { false } }
    }

    public func start() async {
        guard config.manageContainers else { return }
        let docker = DockerEngine(http: http, credentials: config.dockerCredentials, logger: logger)
        for container in config.containers {
            switch container.runtime {
            case .remote: continue
            case .process:
                let process = ManagedProcess(container: container, logger: logger)
                do {
                    try await process.start()
                    processes.append(process)
                } catch {
                    logger.error("container command could not start", metadata: ["container": "\(container.id)", "error": "\(error)"])
                }
            case .docker(let image):
                guard DockerEngine.isAvailable else {
                    logger.error("Docker is not available (no \(DockerEngine.socketPath)): container '\(container.id)' (image \(image)) will not run; url and command containers still work")
                    continue
                }
                do {
                    try await docker.start(container)
                    dockerContainers.append(container)
                } catch {
                    logger.error("docker container could not start", metadata: ["container": "\(container.id)", "error": "\(error)"])
                }
            }
        }
        await waitUntilHealthy(timeout: max(config.startupWait, 1) * 6)
    }

    /// Polls `GET /` on every managed container until it answers or the timeout passes.
    func waitUntilHealthy(timeout: Double) async {
        let managed = config.containers.filter { if case .remote = $0.runtime { false } else { true } }
        let deadline = Date().addingTimeInterval(timeout)
        for container in managed {
            var healthy = false
            while !healthy, Date() < deadline {
                healthy = await isHealthy(container)
                if !healthy { try? await Task.sleep(for: .milliseconds(50)) }
            }
            if healthy {
                logger.info("container ready", metadata: ["container": "\(container.id)", "url": "\(container.baseURL)"])
            } else {
                logger.error("container did not answer GET / in time", metadata: ["container": "\(container.id)", "url": "\(container.baseURL)"])
            }
        }
    }

    func isHealthy(_ container: ContainerConfig) async -> Bool {
        let request = HTTPClientRequest(url: container.baseURL + "/")
        guard let response = try? await http.execute(request, timeout: .seconds(2)) else { return false }
        _ = try? await response.body.collect(upTo: 1 << 20)
        return (200..<500).contains(response.status.code)
    }

    public func stop(grace: Double) async {
        for process in processes { await process.stop(grace: grace) }
        let docker = DockerEngine(http: http, credentials: config.dockerCredentials, logger: logger)
        for container in dockerContainers { await docker.stop(container) }
        processes = []
        dockerContainers = []
    }
}

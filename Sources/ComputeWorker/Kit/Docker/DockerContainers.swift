import AsyncHTTPClient
import Foundation
import InfernetCore
import Logging

/// Runs the `image` containers of a config on a Docker engine the way the reference node does:
/// images pulled in parallel first, then each container reused by name when it matches the
/// config, else (re)created, and started; on shutdown stopped within the grace period and removed.
struct DockerContainers: Sendable {
    let engine: DockerEngine
    let options: DockerOptions
    let logger: Logger

    /// Marks the containers this node created (the name is the container id, as the reference's).
    static let label = "net.ritual.infernet.container"

    /// Connects to the configured engine and agrees on the API version.
    static func connect(config: NodeConfig, http: HTTPClient, logger: Logger) async throws(DockerError) -> DockerContainers {
        let endpoint = config.node.docker.resolvedHost()
        // No socket file: said at once (a connection attempt would wait out its timeout).
        if endpoint.hasPrefix("unix://"), !FileManager.default.fileExists(atPath: String(endpoint.dropFirst("unix://".count))) {
            throw .unreachable(endpoint: endpoint, reason: "no socket there")
        }
        var engine = try DockerEngine(endpoint: endpoint, http: http, credentials: config.dockerCredentials)
        try await engine.negotiate()
        logger.info("container engine connected", metadata: ["endpoint": "\(engine.endpoint)", "api": "\(engine.version)"])
        return DockerContainers(engine: engine, options: config.node.docker, logger: logger)
    }

    /// Makes every distinct image present, in parallel, as the pull policy says. Returns the
    /// image ID of each image that is ready and the failure of each one that is not.
    func prepareImages(_ images: Set<String>) async -> [String: Result<String, DockerError>] {
        await withTaskGroup(of: (String, Result<String, DockerError>).self) { group in
            for image in images {
                group.addTask {
                    do throws(DockerError) { return (image, .success(try await prepare(image))) } catch { return (image, .failure(error)) }
                }
            }
            var results: [String: Result<String, DockerError>] = [:]
            for await (image, result) in group { results[image] = result }
            return results
        }
    }

    private func prepare(_ image: String) async throws(DockerError) -> String {
        let local = try await engine.imageID(image)
        switch options.pull {
        case .never:
            guard let local else { throw .imageMissing(image: image, reason: "node.docker_pull is 'never'") }
            return local
        case .missing:
            if let local { return local }
        case .always:
            break
        }
        logger.info("pulling image", metadata: ["image": "\(image)"])
        do {
            try await engine.pull(image)
        } catch {
            // No registry reachable (or no such tag there): a local image still serves, as in
            // the reference node.
            guard let local else { throw error }
            logger.warning("pull failed, using the local image", metadata: ["image": "\(image)", "error": "\(error)"])
            return local
        }
        guard let pulled = try await engine.imageID(image) else {
            throw .imageMissing(image: image, reason: "the engine reported the pull done but does not have it")
        }
        return pulled
    }

    /// Starts `container` from `imageID`: reuses the container of that name when it runs the same
    /// image on the same port, else removes it and creates a new one.
    func run(_ container: ContainerConfig, imageID: String) async throws(DockerError) {
        let name = container.id
        if let existing = try await engine.inspectContainer(name) {
            if Self.sameImage(existing.image, imageID), existing.publishedPort == container.port {
                if existing.state.running != true { try await engine.start(name) }
                logger.info("reusing container", metadata: ["container": "\(name)", "was": "\(existing.state.status ?? "?")"])
                return
            }
            logger.info("replacing container with a different image or port", metadata: ["container": "\(name)"])
            try await engine.remove(name)
        }
        try await engine.create(name, createBody(container))
        do {
            try await engine.start(name)
        } catch {
            // A container that cannot start (a taken port) is not left behind for the next start.
            try? await engine.remove(name)
            throw error
        }
        logger.info("container started", metadata: ["container": "\(name)", "image": "\(container.image)", "port": "\(options.publishAddress):\(container.port)"])
    }

    func createBody(_ container: ContainerConfig) -> ContainerCreate {
        let command = container.command.split(separator: " ").map(String.init)
        return ContainerCreate(
            image: container.image,
            env: container.env.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" },
            cmd: command.isEmpty ? nil : command,
            exposedPorts: ["3000/tcp": .init()],
            labels: [Self.label: container.id],
            hostConfig: .init(
                portBindings: ["3000/tcp": [PortBinding(hostIP: options.publishAddress, hostPort: String(container.port))]],
                binds: container.volumes.isEmpty ? nil : container.volumes,
                // As the reference: restarted by the engine when it exits with an error (a crash,
                // kill -9), at most 5 times in a row.
                restartPolicy: .init(name: "on-failure", maximumRetryCount: 5),
                deviceRequests: container.gpu
                    ? [.init(driver: "", count: -1, deviceIDs: nil, capabilities: [["gpu"]], options: [:])]
                    : nil))
    }

    /// Stops the container within `grace` and removes it.
    func stopAndRemove(_ container: ContainerConfig, grace: Duration) async {
        do throws(DockerError) {
            // The engine's `t=` takes whole seconds.
            try await engine.stop(container.id, grace: max(Int(grace.components.seconds), 0))
            try await engine.remove(container.id)
            logger.info("container stopped and removed", metadata: ["container": "\(container.id)"])
        } catch {
            logger.error("container could not be stopped", metadata: ["container": "\(container.id)", "error": "\(error)"])
        }
    }

    /// What the engine says about a container that does not answer: its state, exit code, error.
    func stateSummary(_ container: ContainerConfig) async -> String {
        guard let inspect = try? await engine.inspectContainer(container.id) else { return "no such container" }
        var parts = ["state \(inspect.state.status ?? "unknown")"]
        if let code = inspect.state.exitCode, inspect.state.running != true { parts.append("exit code \(code)") }
        if let error = inspect.state.error, !error.isEmpty { parts.append(error) }
        if let restarts = inspect.restartCount, restarts > 0 { parts.append("\(restarts) restarts") }
        return parts.joined(separator: ", ")
    }

    static func sameImage(_ lhs: String, _ rhs: String) -> Bool {
        func bare(_ id: String) -> String { id.hasPrefix("sha256:") ? String(id.dropFirst(7)) : id }
        return bare(lhs) == bare(rhs)
    }
}

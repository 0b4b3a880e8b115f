import AsyncHTTPClient
import Foundation
import InfernetCore
import Logging
import ServiceLifecycle

/// Starts and supervises the containers this host runs itself (`command` as local processes,
/// `image` through Docker), waits until they answer `GET /`, and stops them on shutdown.
///
/// On a node the supervisor runs this once for all local compute workers; a standalone compute
/// worker on a GPU host runs it itself (`--manage-containers`). A Service: `start()` brings the
/// containers up before the process's group runs; `run()`, in the group, restarts command
/// containers that exit (each restart a child of its task) until graceful shutdown; `stop()`
/// then stops them.
public actor ContainerManager: Service {
    let config: NodeConfig
    let http: HTTPClient
    let logger: Logger
    private var processes: [ManagedProcess] = []
    private var dockerContainers: [ContainerConfig] = []
    private var docker: DockerContainers?
    private nonisolated let exits: AsyncStream<ManagedProcess.Exit>
    private nonisolated let exitSink: AsyncStream<ManagedProcess.Exit>.Continuation

    public init(config: NodeConfig, http: HTTPClient, logger: Logger) {
        self.config = config
        self.http = http
        self.logger = logger
        (exits, exitSink) = AsyncStream.makeStream(of: ManagedProcess.Exit.self)
    }

    /// Restarts command containers that exit, until graceful shutdown or cancellation.
    public nonisolated func run() async throws {
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                for await exit in exits {
                    group.addTask { await exit.process.restart(afterExit: exit.status) }
                }
            }
        } onGracefulShutdown: { [exitSink] in
            exitSink.finish()
        }
    }

    public func start() async {
        guard config.manageContainers else { return }
        for container in config.containers {
            guard case .process = container.runtime else { continue }
            let process = ManagedProcess(container: container, exits: exitSink, logger: logger)
            do {
                try await process.start()
                processes.append(process)
            } catch {
                logger.error("container command could not start", metadata: ["container": "\(container.id)", "error": "\(error)"])
            }
        }
        await startImages()
        await waitUntilHealthy(timeout: max(config.startupWait, .seconds(1)) * 6)
    }

    /// Runs the `image` containers on the engine: images prepared in parallel, then the
    /// containers started in parallel. Each failure is logged naming the container and image;
    /// `url` and `command` containers are not affected.
    private func startImages() async {
        let imageContainers = config.containers.filter { if case .docker = $0.runtime { true } else { false } }
        guard !imageContainers.isEmpty else { return }
        let docker: DockerContainers
        do {
            docker = try await DockerContainers.connect(config: config, http: http, logger: logger)
        } catch {
            for container in imageContainers {
                logger.error("container '\(container.id)' (image \(container.image), port \(container.port)) will not run: \(error); url and command containers still work")
            }
            return
        }
        self.docker = docker
        let images = await docker.prepareImages(Set(imageContainers.map(\.image)))
        let started = await withTaskGroup(of: ContainerConfig?.self) { group in
            for container in imageContainers {
                group.addTask { [logger] in
                    do throws(DockerError) {
                        let imageID = try images[container.image, default: .failure(.imageMissing(image: container.image, reason: "not prepared"))].get()
                        try await docker.run(container, imageID: imageID)
                        return container
                    } catch {
                        logger.error("container '\(container.id)' (image \(container.image), port \(container.port)) will not run: \(error)")
                        return nil
                    }
                }
            }
            var started: [ContainerConfig] = []
            for await container in group { if let container { started.append(container) } }
            return started
        }
        dockerContainers = started
    }

    /// Polls `GET /` on every container started here until it answers or the timeout passes.
    func waitUntilHealthy(timeout: Duration) async {
        var managed = dockerContainers
        for process in processes { managed.append(process.container) }
        let deadline = ContinuousClock.now + timeout
        for container in managed {
            var healthy = false
            while !healthy, ContinuousClock.now < deadline {
                healthy = await isHealthy(container)
                if !healthy { try? await Task.sleep(for: .milliseconds(50)) }
            }
            if healthy {
                logger.info("container ready", metadata: ["container": "\(container.id)", "url": "\(container.baseURL)"])
            } else if let docker, dockerContainers.contains(where: { $0.id == container.id }) {
                let state = await docker.stateSummary(container)
                logger.error("container '\(container.id)' (image \(container.image)) did not answer GET / at \(container.baseURL) in time: \(state)")
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

    /// Stops every container started here within `grace`; `image` containers are also
    /// removed, so the next start creates them afresh from the config.
    public func stop(grace: Duration) async {
        let docker = docker
        let images = dockerContainers
        await withTaskGroup(of: Void.self) { group in
            for process in processes { group.addTask { await process.stop(grace: grace) } }
            if let docker {
                for container in images { group.addTask { await docker.stopAndRemove(container, grace: grace) } }
            }
        }
        processes = []
        dockerContainers = []
    }
}

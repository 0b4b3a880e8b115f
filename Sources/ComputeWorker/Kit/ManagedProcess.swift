import Foundation
import InfernetCore
import Logging

/// A container run as a local process from its `command`: started with `PORT` set, restarted
/// with back-off when it exits, stopped (SIGTERM, then SIGKILL) on shutdown.
actor ManagedProcess {
    /// A process exit, posted to the owner (`ContainerManager.run()`), which restarts it.
    struct Exit: Sendable {
        let process: ManagedProcess
        let status: Int32
    }

    let container: ContainerConfig
    let logger: Logger
    private let exits: AsyncStream<Exit>.Continuation
    private var process: Process?
    private var stopping = false
    private var backoff = Duration.milliseconds(200)
    private(set) var restarts = 0

    init(container: ContainerConfig, exits: AsyncStream<Exit>.Continuation, logger: Logger) {
        self.container = container
        self.exits = exits
        self.logger = logger
    }

    func start() async throws {
        guard !stopping else { return }
        let process = Process()
        // `exec` so signals reach the service itself, not a shell around it.
        let shell = ["/bin/sh", "-c", "exec " + container.command]
        // Through `infernet-node exec-child` when it is installed beside us: the container then
        // dies with this process even on a `kill -9` (parent-death signal).
        let shim = Self.executableDirectory + "/infernet-node"
        if FileManager.default.isExecutableFile(atPath: shim) {
            process.executableURL = URL(fileURLWithPath: shim)
            process.arguments = ["exec-child", "--parent", String(getpid()), "--"] + shell
        } else {
            process.executableURL = URL(fileURLWithPath: shell[0])
            process.arguments = Array(shell.dropFirst())
        }
        var environment = ProcessInfo.processInfo.environment
        for (key, value) in container.env { environment[key] = value }
        environment["PORT"] = String(container.port)
        // The node's own services (infernet-hello-world, ...) sit beside its executables.
        environment["PATH"] = Self.executableDirectory + ":" + (environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin")
        process.environment = environment
        let exits = exits
        process.terminationHandler = { [weak self] finished in
            guard let self else { return }
            exits.yield(Exit(process: self, status: finished.terminationStatus))
        }
        self.process = process
        try await SpawnThread.shared.start(process)
        logger.info("container process started", metadata: ["container": "\(container.id)", "pid": "\(process.processIdentifier)", "port": "\(container.port)"])
    }

    /// Restarts the process after it exited with `status` (after the back-off), unless stopping.
    func restart(afterExit status: Int32) async {
        guard !stopping else { return }
        restarts += 1
        logger.warning("container process exited; restarting", metadata: [
            "container": "\(container.id)", "status": "\(status)", "backoff": "\(backoff)"])
        try? await Task.sleep(for: backoff)
        backoff = min(backoff * 2, .seconds(10))
        guard !Task.isCancelled else { return }  // the owner stopped supervising
        do {
            try await start()
        } catch {
            logger.error("container process could not be restarted", metadata: ["container": "\(container.id)", "error": "\(error)"])
        }
    }

    /// Marks the process healthy again so the next crash restarts quickly.
    func resetBackoff() { backoff = .milliseconds(200) }

    func stop(grace: Duration) async {
        stopping = true
        guard let process, process.isRunning else { return }
        process.terminate()
        let deadline = ContinuousClock.now + grace
        while process.isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    static let executableDirectory: String = {
        let path = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: path).deletingLastPathComponent().path
    }()
}

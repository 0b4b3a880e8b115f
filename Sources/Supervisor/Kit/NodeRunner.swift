import AsyncHTTPClient
import ComputeWorker
import Foundation
import InfernetBus
import InfernetCore
import Logging
import ServiceLifecycle
import WorkerKit

/// `infernet-node run`: the supervisor process. Hosts the bus broker, runs the local
/// containers, keeps the workers alive, talks to systemd, and drains on SIGTERM/SIGINT.
public struct NodeRunner {
    public let configPath: String
    public let binDirectory: String

    public init(configPath: String, binDirectory: String = WorkerSpec.defaultBinDirectory()) {
        self.configPath = configPath
        self.binDirectory = binDirectory
    }

    public func run() async throws {
        let logger = Logger(label: "supervisor")
        let config = try WorkerOptions(configPath: configPath, busEndpoint: nil, identity: "supervisor").loadConfig(logger: logger)
        let ownDirectory = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]).deletingLastPathComponent().path
        // Before the broker, the containers and the workers: a bad setting stops here (exit 78).
        try StartupChecks.run(config: config, searchDirectories: [ownDirectory, binDirectory])
        try FileManager.default.createDirectory(atPath: config.node.dataDirectory, withIntermediateDirectories: true)
        let endpoint = config.node.resolvedBusEndpoint()
        if endpoint.hasPrefix("ipc://") { try? FileManager.default.removeItem(atPath: String(endpoint.dropFirst(6))) }

        let notifier = SystemdNotifier()
        let policy = RestartPolicy(
            initialDelay: config.node.restartBackoffInitial, maxDelay: config.node.restartBackoffMax,
            intensity: config.node.restartIntensity, period: config.node.restartPeriod)
        let specs = WorkerSpec.workers(for: config, configPath: configPath, endpoint: endpoint,
                                       launch: .fromEnvironment(binDirectory: binDirectory))
        let supervisor = Supervisor(specs: specs, policy: policy, grace: config.node.shutdownGrace, notifier: notifier, logger: logger)

        var observer = Broker.Observer()
        observer.peerJoined = { peer in supervisor.post(.peerJoined(pid: peer.pid)) }
        observer.peerLost = { peer in supervisor.post(.peerLost(pid: peer.pid)) }
        let broker = Broker(
            options: .init(endpoint: endpoint, heartbeatInterval: config.node.heartbeatInterval,
                           liveness: config.node.heartbeatLiveness),
            observer: observer, logger: logger)
        do {
            // Bound before the workers start, so they find it; stopped after the group below.
            try broker.start()
        } catch {
            throw SupervisorExit.busUnavailable("\(error)")
        }
        await supervisor.attach(broker)
        logger.info("bus broker listening", metadata: ["endpoint": "\(endpoint)"])

        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        let containers = ContainerManager(config: config, http: http, logger: logger)
        await containers.start()

        let service = SupervisorService(supervisor: supervisor, broker: broker, notifier: notifier)
        // Shut down in reverse order: the workers drain first, then container restarts stop.
        let group = ServiceGroup(services: [containers, service], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        var outcome: (any Error)?
        do { try await group.run() } catch { outcome = error }
        await containers.stop(grace: min(config.node.shutdownGrace, .seconds(5)))
        broker.stop()
        try? await http.shutdown()
        if let outcome { throw outcome }
        logger.info("node stopped")
    }
}

/// Starts the workers and runs until the supervisor finishes; graceful shutdown drains them.
/// The supervisor's events are handled by a child of this service's task.
struct SupervisorService: Service {
    let supervisor: Supervisor
    let broker: Broker
    let notifier: SystemdNotifier

    func run() async throws {
        try await withGracefulShutdownHandler {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await supervisor.handleEvents() }
                await supervisor.startAll()
                group.addTask { try await supervisor.waitUntilFinished() }
                if let interval = notifier.watchdogInterval {
                    group.addTask { try await watchdog(every: interval) }
                }
                try await group.next()
                group.cancelAll()
            }
        } onGracefulShutdown: {
            supervisor.post(.drain)
        }
    }

    /// Pets systemd's watchdog while the broker's loop is alive (its figures keep updating).
    private func watchdog(every interval: Duration) async throws {
        while !Task.isCancelled {
            if broker.statistics != nil { notifier.watchdog() }
            try await Task.sleep(for: interval)
        }
    }
}

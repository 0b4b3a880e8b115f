import ArgumentParser
import AsyncHTTPClient
import Foundation
import InfernetCore
import NIOCore

/// `infernet-bench jobs`: N concurrent clients submit hello-world jobs to a real node and poll
/// them to completion; the same clients then call the service directly, for comparison.
@main
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "infernet-bench", abstract: "Benchmarks of the Infernet node", subcommands: [Jobs.self], defaultSubcommand: Jobs.self)
}

struct Jobs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Off-chain jobs through the node vs the service directly.")

    @Option(help: "Concurrent clients.") var clients = 32
    @Option(help: "Seconds measured per phase.") var duration = 10.0
    @Option(help: "Seconds of warm-up per phase.") var warmup = 2.0
    @Option(help: "Compute workers the node starts.") var computeWorkers = 1
    @Option(help: "Directory of the built executables (default: this one's).") var binDir: String?
    @Option(help: "Milliseconds between a client's polls of its job.") var pollMs = 1.0

    func run() async throws {
        ProcessBootstrap.start(process: "infernet-bench", loops: .halfTheCores)
        let bin = binDir ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
        let node = try BenchNode(bin: bin, computeWorkers: computeWorkers)
        try node.start()
        defer { node.stop() }
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(
            connectionPool: .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: clients * 2)))
        try await node.waitUntilHealthy(http)
        let load = LoadRunner(http: http, clients: clients, pollInterval: .microseconds(Int64(pollMs * 1000)))

        print("infernet-bench: \(clients) clients, \(duration) s per phase (after \(warmup) s warm-up), \(computeWorkers) compute worker(s)")
        let direct = try await load.measure(warmup: warmup, duration: duration) { try await $0.callService(port: node.servicePort) }
        let viaNode = try await load.measure(warmup: warmup, duration: duration) { try await $0.runJob(port: node.port) }
        let polls = Double(load.polls.take()) / Double(max(viaNode.completed, 1))
        let memory = node.residentMemory()

        print(Report.table([("service directly", direct), ("through the node", viaNode)]))
        print(String(format: "node/direct throughput: %.2f; status polls per job: %.1f (every %.1f ms)",
                     viaNode.throughput / max(direct.throughput, 1), polls, pollMs))
        print(String(format: "resident memory: node %.1f MB (%@), hello-world service %.1f MB",
                     memory.node, memory.breakdown, memory.service))
        print("targets: >= 3000 jobs/s, p99 <= 20 ms at 32 clients, node < 150 MB")
        try await http.shutdown()
    }
}

import InfernetCore
import Supervisor
import XCTest

/// How the supervisor starts its workers: from its own executable (one file mapped by every
/// process, shared code pages) unless `INFERNET_WORKER_EXECUTABLES=separate`.
final class WorkerSpecTests: XCTestCase {
    private func config(computeWorkers: Int = 2, chain: Bool = false) throws -> NodeConfig {
        try NodeConfig.parse(Array("""
            {"node": {"compute_workers": \(computeWorkers)}, "chain": {"enabled": \(chain)}, "containers": []}
            """.utf8))
    }

    func testSharedLaunchRunsEveryWorkerAsASubcommandOfOneExecutable() throws {
        let specs = WorkerSpec.workers(for: try config(), configPath: "/etc/c.json", endpoint: "ipc:///tmp/b",
                                       launch: .shared(executable: "/opt/bin/infernet-node"))
        XCTAssertEqual(specs.map(\.name), ["gateway", "compute-1", "compute-2"])
        XCTAssertEqual(Set(specs.map(\.executable)), ["/opt/bin/infernet-node"])
        XCTAssertEqual(specs[1].arguments,
                       ["worker", "infernet-compute", "--config", "/etc/c.json", "--bus", "ipc:///tmp/b", "--identity", "compute-1"])
        XCTAssertEqual(specs[0].arguments.prefix(2), ["worker", "infernet-gateway"])
    }

    func testSeparateLaunchRunsTheWorkerExecutables() throws {
        let specs = WorkerSpec.workers(for: try config(computeWorkers: 1), configPath: "/etc/c.json", endpoint: "ipc:///tmp/b",
                                       launch: .separate(binDirectory: "/opt/bin"))
        XCTAssertEqual(specs.map(\.executable), ["/opt/bin/infernet-gateway", "/opt/bin/infernet-compute"])
        XCTAssertEqual(specs[1].arguments, ["--config", "/etc/c.json", "--bus", "ipc:///tmp/b", "--identity", "compute-1"])
    }

    func testTheEnvironmentSelectsTheLaunch() {
        XCTAssertEqual(WorkerSpec.Launch.fromEnvironment(["INFERNET_WORKER_EXECUTABLES": "separate"], binDirectory: "/b"),
                       .separate(binDirectory: "/b"))
        guard case .shared(let executable) = WorkerSpec.Launch.fromEnvironment([:], binDirectory: "/b") else {
            return XCTFail("shared is the default")
        }
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: executable), executable)
    }
}

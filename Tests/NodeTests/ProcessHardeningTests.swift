import Foundation
import InfernetCore
import TestSupport
import XCTest

/// Issue 10, the process side, with the real node binaries: secrets never in any process's log
/// (trace level), no orphans after a `kill -9` of the supervisor, and a clean restart.
final class ProcessHardeningTests: XCTestCase {
    static let apiKey = "sk-planted-apikey-5e1f0c9d"
    static let bearer = "planted-bearer-b7c2e4a1"
    static let privateKey = "0x8da4ef21b864d2cc526dbdb2a120bd2874c36c9d0a1fb7f8c63d7f7a8b41de8f"
    static let rpcUser = "rpcuser-planted"
    static let rpcPassword = "rpcpass-planted-93ab"
    static let rpcPathKey = "pathkey-planted-4410"
    static let dockerPassword = "dockerpass-planted-77"

    /// Every planted secret as it could appear (the key with and without 0x).
    static var planted: [String] {
        [apiKey, bearer, privateKey, String(privateKey.dropFirst(2)), rpcUser, rpcPassword, rpcPathKey, dockerPassword]
    }

    /// The node at trace level, with the chain worker and the payment worker running against an
    /// RPC URL that carries credentials (unreachable, so they log connection errors with it),
    /// a container whose env holds an API key and the bearer, and a Docker registry password.
    /// Jobs are made (successful and failing); then every line of every process is checked.
    func testTraceLogsOfEveryProcessHoldNoPlantedSecret() async throws {
        let helloPort = NodeHarness.freePort()
        let container = #"{"id": "hello", "command": "\#(NodeHarness.builtProducts)/infernet-hello-world --port \#(helloPort)", "#
            + #""port": \#(helloPort), "bearer": "\#(Self.bearer)", "#
            + #""env": {"SERVICE_BEARER": "\#(Self.bearer)", "API_KEY": "\#(Self.apiKey)", "AUTH_HEADER": "Bearer \#(Self.bearer)"}}"#
        let chain = #""chain": {"enabled": true, "#
            + #""rpc_url": "http://\#(Self.rpcUser):\#(Self.rpcPassword)@127.0.0.1:9/v3/\#(Self.rpcPathKey)", "#
            + #""registry_address": "0x5FbDB2315678afecb367f032d93F642f64180aa3", "#
            + #""wallet": {"private_key": "\#(Self.privateKey)"}}, "#
            + #""docker": {"username": "operator", "password": "\#(Self.dockerPassword)"}"#
        let node = try NodeHarness(containers: [container], extraTopLevel: chain)
        try await node.start(environment: ["INFERNET_LOG_LEVEL": "trace"])
        defer { node.stop() }

        for i in 0..<10 {
            let id = try await node.submit(containers: ["hello"], data: #"{"i": \#(i), "note": "x"}"#)
            let job = try await node.waitForResult(id)
            XCTAssertEqual(job["status"]?.stringValue, "success", "\(job)")
        }
        // A job that fails in the container path, and the endpoints that read the config.
        _ = try? await node.post("/api/jobs", #"{"containers": ["missing"], "data": {}}"#)
        _ = try await node.get("/info")
        _ = try await node.get("/resources")
        // Let the chain and payment workers retry the RPC a few times (each logs the error).
        try await Task.sleep(for: .seconds(3))
        node.stop()

        let log = node.log
        XCTAssertTrue(log.contains("trace") || log.contains("debug"), "the node did not log at trace level")
        for process in ["infernet-node", "infernet-gateway", "infernet-compute", "infernet-chain", "infernet-payment"] {
            XCTAssertTrue(log.contains(process + "["), "no log line from \(process)\n\(log.suffix(2000))")
        }
        for secret in Self.planted {
            let lines = log.split(separator: "\n").filter { $0.contains(secret) }
            XCTAssertTrue(lines.isEmpty, "'\(secret)' leaked in \(lines.count) line(s), e.g.:\n\(lines.prefix(3).joined(separator: "\n"))")
        }
        XCTAssertTrue(log.contains(Redaction.mask), "expected some redacted values in a trace log")
    }

    /// `kill -9` of the supervisor while jobs are being submitted: within 3 s no process of the
    /// node is left (checked by the PIDs recorded under it, not by name); the next start on the
    /// same data directory succeeds; every accepted job ends `success` or `failed`.
    func testKillNineOfTheSupervisorUnderLoadLeavesNoOrphansAndRestartsCleanly() async throws {
        let node = try NodeHarness(containers: [NodeHarness.helloContainer(id: "slow", extra: "--delay-ms 200")],
                                   node: #""compute_workers": 2"#)
        try await node.start()
        defer { node.stop() }
        let supervisor = try XCTUnwrap(node.process?.processIdentifier)

        // Load: 4 clients submitting for 1.5 s; the kill lands in the middle.
        let accepted = AcceptedJobs()
        let load = Task {
            await withTaskGroup(of: Void.self) { group in
                for client in 0..<4 {
                    group.addTask {
                        var i = 0
                        while !Task.isCancelled {
                            if let id = try? await node.submit(containers: ["slow"], data: #"{"c": \#(client), "i": \#(i)}"#) {
                                await accepted.add(id)
                            }
                            i += 1
                            try? await Task.sleep(for: .milliseconds(10))
                        }
                    }
                }
            }
        }
        try await Task.sleep(for: .milliseconds(800))
        let descendants = Self.descendants(of: supervisor)
        XCTAssertGreaterThanOrEqual(descendants.count, 4, "gateway, 2 compute workers and the hello-world service")
        kill(supervisor, SIGKILL)
        node.process?.waitUntilExit()
        let killedAt = Date()

        var alive = descendants.filter(Self.isAlive)
        while !alive.isEmpty, Date().timeIntervalSince(killedAt) < 3 {
            try await Task.sleep(for: .milliseconds(20))
            alive = alive.filter(Self.isAlive)
        }
        print("kill -9 of the supervisor: \(descendants.count) processes under it, all gone after "
              + "\(Int(Date().timeIntervalSince(killedAt) * 1000)) ms")
        XCTAssertTrue(alive.isEmpty, "still running 3 s after kill -9 of the supervisor: \(alive.map { "\($0) \(Self.commandLine($0))" })")
        for pid in alive { kill(pid, SIGKILL) }
        // Clients keep submitting a little longer (refused now: nothing listens); then stop.
        try await Task.sleep(for: .milliseconds(300))
        load.cancel()
        await load.value

        let ids = await accepted.ids
        XCTAssertGreaterThan(ids.count, 10, "the load did not get jobs accepted")
        try await node.start()
        XCTAssertFalse(node.log.contains("Address already in use"), node.log.suffix(3000).description)
        var outcomes: [String: Int] = [:]
        for id in ids {
            let job = try await node.waitForResult(id, timeout: 60)
            outcomes[job["status"]?.stringValue ?? "?", default: 0] += 1
        }
        XCTAssertEqual(outcomes.keys.filter { $0 != "success" && $0 != "failed" }, [], "\(outcomes)")
        XCTAssertEqual(outcomes.values.reduce(0, +), ids.count)
        // The service is the same hello-world: jobs left running were re-run, not failed.
        XCTAssertEqual(outcomes["success"], ids.count, "\(outcomes)")
    }

    /// Children armed with the parent-death signal die when the *thread* that forked them exits;
    /// the node forks from one long-lived thread (`SpawnThread`), so an idle node keeps its
    /// workers and its command container. Waiting is the test: the cooperative pool retires idle
    /// threads after ~5 s, which used to SIGKILL the container then.
    func testChildrenOfAnIdleNodeStayUp() async throws {
        let node = try NodeHarness(containers: [NodeHarness.helloContainer(id: "hello")])
        try await node.start()
        defer { node.stop() }
        let supervisor = try XCTUnwrap(node.process?.processIdentifier)
        let children = Self.descendants(of: supervisor)
        XCTAssertGreaterThanOrEqual(children.count, 3, "gateway, compute worker and the hello-world service")
        try await Task.sleep(for: .seconds(8))
        let gone = children.filter { !Self.isAlive($0) }
        XCTAssertEqual(gone, [], "children of an idle node died")
        XCTAssertFalse(node.log.contains("container process exited"), String(node.log.suffix(2000)))
        XCTAssertFalse(node.log.contains("worker exited"), String(node.log.suffix(2000)))
    }

    /// The shim for `command` containers: the command it becomes dies with the shim's parent
    /// (parent-death signal survives exec), and a shim whose parent is already not the
    /// expected one refuses to run anything (the race PDEATHSIG alone misses).
    func testExecChildDiesWithItsParentAndRefusesAWrongParent() async throws {
        let node = NodeHarness.builtProducts + "/infernet-node"
        // A shell starts the shim under itself, prints the PID, then kill -9s itself.
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/bin/sh")
        shell.arguments = ["-c", "\(node) exec-child --parent $$ -- /bin/sleep 30 & echo $!; sleep 0.5; kill -9 $$"]
        let output = Pipe()
        shell.standardOutput = output
        try shell.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        shell.waitUntilExit()
        let child = try XCTUnwrap(Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), text)
        let deadline = Date().addingTimeInterval(2)
        while Self.isAlive(child), Date() < deadline { try await Task.sleep(for: .milliseconds(10)) }
        XCTAssertFalse(Self.isAlive(child), "the command outlived its parent: \(Self.commandLine(child))")
        if Self.isAlive(child) { kill(child, SIGKILL) }

        let wrong = Process()
        wrong.executableURL = URL(fileURLWithPath: node)
        wrong.arguments = ["exec-child", "--parent", "1", "--", "/bin/sleep", "30"]
        let errors = Pipe()
        wrong.standardError = errors
        try wrong.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        wrong.waitUntilExit()
        XCTAssertEqual(wrong.terminationStatus, 70)
        XCTAssertTrue(message.contains("parent process 1 is gone"), message)
    }

    // MARK: Processes

    /// Every process below `root` (children, grandchildren, ...), from /proc.
    static func descendants(of root: Int32) -> [Int32] {
        var parents: [Int32: [Int32]] = [:]
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int32(entry), let parent = parentPID(pid) else { continue }
            parents[parent, default: []].append(pid)
        }
        var found: [Int32] = []
        var queue = [root]
        while let next = queue.popLast() {
            for child in parents[next] ?? [] {
                found.append(child)
                queue.append(child)
            }
        }
        return found
    }

    static func stat(_ pid: Int32) -> [Substring]? {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/stat") else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        // The command name is in parentheses and may contain spaces: split after the last ')'.
        guard let close = text.lastIndex(of: ")") else { return nil }
        return text[text.index(after: close)...].split(separator: " ")
    }

    static func parentPID(_ pid: Int32) -> Int32? { stat(pid).flatMap { $0.count > 1 ? Int32($0[1]) : nil } }

    /// Running (a zombie waiting for a reaper counts as gone).
    static func isAlive(_ pid: Int32) -> Bool {
        guard let fields = stat(pid), let state = fields.first else { return false }
        return state != "Z" && state != "X"
    }

    static func commandLine(_ pid: Int32) -> String {
        let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") ?? Data()
        return String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\0", with: " ")
    }
}

actor AcceptedJobs {
    private(set) var ids: [String] = []
    func add(_ id: String) { ids.append(id) }
}

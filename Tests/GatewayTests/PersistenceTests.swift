import Foundation
import Gateway
import InfernetCore
import TestSupport
import XCTest

final class PersistenceTests: XCTestCase {
    func record(_ id: String, status: JobStatus = .running, client: String = "127.0.0.1") -> JobRecord {
        Self.record(id, status: status, client: client)
    }

    static func record(_ id: String, status: JobStatus = .running, client: String = "127.0.0.1") -> JobRecord {
        JobRecord(id: id, client: client, status: status, containers: ["echo", "chain2"], data: #"{"b":1,"a":2}"#,
                  requiresProof: true, createdAt: Date().timeIntervalSince1970)
    }

    func testJobsSurviveReopeningTheStore() async throws {
        let path = JobStore.path(dataDirectory: try TestNode.tempDirectory().path)
        do {
            try await JobStore(path: path).running { store in
                try await store.save(self.record("a"))
                try await store.save([self.record("b"), self.record("c", client: "10.0.0.1")])
                var done = self.record("b")
                done.status = .success
                done.result = #"{"container":"chain2","output":{"ok":true}}"#
                done.intermediate = #"[{"container":"echo","output":{}}]"#
                try await store.finish(done)
            }
        }
        let reopened = try JobStore(path: path)
        let count = try await reopened.count()
        XCTAssertEqual(count, 3)
        let b = try await reopened.job(id: "b", client: "127.0.0.1")
        XCTAssertEqual(b?.status, .success)
        XCTAssertEqual(b?.result, #"{"container":"chain2","output":{"ok":true}}"#)
        XCTAssertEqual(b?.intermediate, #"[{"container":"echo","output":{}}]"#)
        XCTAssertEqual(b?.containers, ["echo", "chain2"])
        XCTAssertEqual(b?.data, #"{"b":1,"a":2}"#)
        XCTAssertEqual(b?.requiresProof, true)
        let running = try await reopened.runningJobs().map(\.id)
        XCTAssertEqual(Set(running), ["a", "c"])
        let mine = try await reopened.jobs(ids: ["c", "b", "a", "zzz"], client: "127.0.0.1").map(\.id)
        XCTAssertEqual(mine, ["b", "a"])
        let pending = try await reopened.jobIDs(client: "127.0.0.1", pending: true)
        XCTAssertEqual(pending, ["a"])
    }

    func testManyConcurrentWritesAreGroupCommitted() async throws {
        let store = try JobStore(path: JobStore.path(dataDirectory: try TestNode.tempDirectory().path))
        try await store.running { store in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<2000 {
                    group.addTask { try await store.save(Self.record("job-\(index)")) }
                }
                try await group.waitForAll()
            }
        }
        let count = try await store.count()
        XCTAssertEqual(count, 2000)
    }

    /// The store is a service: writes submitted before it runs wait and commit once it does;
    /// after it stopped, writes are refused with a clear error instead of waiting forever.
    func testWritesCommitWhileTheStoreRunsAndAreRefusedAfter() async throws {
        let store = try JobStore(path: JobStore.path(dataDirectory: try TestNode.tempDirectory().path))
        let first = Self.record("early")
        let early = Task { [store] in try await store.save(first) }
        try await store.running { store in try await store.save(Self.record("during")) }
        try await early.value  // queued before the store ran, committed while it ran
        let saved = try await store.jobIDs(client: "127.0.0.1", pending: nil)
        XCTAssertEqual(Set(saved), ["early", "during"])
        do {
            try await store.save(record("late"))
            XCTFail("a write after the store stopped was accepted")
        } catch {
            XCTAssertTrue("\(error)".contains("job store has stopped"), "\(error)")
        }
    }

    func testRunningJobsAreSentAgainOnStart() async throws {
        let directory = try TestNode.tempDirectory()
        do {
            try await JobStore(path: JobStore.path(dataDirectory: directory.path)).running { store in
                var left = self.record("left-running")
                left.containers = ["echo"]
                left.data = #"{"again":true}"#
                try await store.save(left)
                var finished = self.record("already-done")
                finished.status = .failed
                finished.result = #"{"container":"echo","error":"old"}"#
                try await store.save(finished)
            }
        }
        let node = try await TestNode(directory: directory)
        defer { Task { await node.shutdown() } }
        let result = try await node.waitForResult("left-running")
        XCTAssertEqual(result["status"], "success")
        XCTAssertEqual(result["result"]?["output"]?["input"], ["again": true])
        let untouched = try await node.waitForResult("already-done")
        XCTAssertEqual(untouched["result"]?["error"], "old")
    }

    /// Only jobs running when the store was opened are sent again: a job this run accepted before
    /// the dispatcher read its leftovers is already being sent (a second send superseded the
    /// first, and the job read `failed` while it ran: a CI failure of StatusWaitTests).
    func testLeftoversAreTheJobsRunningWhenTheStoreOpenedOnly() async throws {
        let path = JobStore.path(dataDirectory: try TestNode.tempDirectory().path)
        try await JobStore(path: path).running { store in
            try await store.save([self.record("left-1"), self.record("left-2"), self.record("left-3", client: "10.0.0.1")])
        }
        let store = try JobStore(path: path)
        try await store.running { store in
            try await store.save(self.record("accepted-after-open"))
            var finished = self.record("left-2")
            finished.status = .success
            finished.result = #"{"container":"echo","output":{}}"#
            try await store.finish(finished)
        }
        let leftovers = try await store.takeLeftovers().map(\.id)
        XCTAssertEqual(Set(leftovers), ["left-1", "left-3"])
        let again = try await store.takeLeftovers()
        XCTAssertEqual(again.map(\.id), [], "leftovers were handed out twice")
        let running = try await store.runningJobs().map(\.id)
        XCTAssertEqual(Set(running), ["left-1", "left-3", "accepted-after-open"])
    }

    func testShutdownLeavesUnfinishedJobsRunningForTheNextStart() async throws {
        let directory = try TestNode.tempDirectory()
        let node = try await TestNode(directory: directory, grace: .milliseconds(200))
        let id = try await node.submit(#"{"containers":["slow"],"data":{}}"#)
        await node.shutdown()
        let store = try JobStore(path: JobStore.path(dataDirectory: directory.path))
        let job = try await store.job(id: id, client: "127.0.0.1")
        XCTAssertEqual(job?.status, .running)

        let restarted = try await TestNode(directory: directory)
        defer { Task { await restarted.shutdown() } }
        let result = try await restarted.waitForResult(id)
        XCTAssertEqual(result["status"], "success")
    }
}

@testable import ChainWorker
import EVM
import Foundation
import XCTest

/// `RPCBatcher`: calls asked for together share JSON-RPC batches, each gets its own answer or
/// error, and a call alone goes out as a plain request.
final class RPCBatcherTests: XCTestCase {
    /// Answers `echo` with its first parameter after a short delay, fails `revert`; counts requests.
    final class FakeSender: RPCBatchSender, @unchecked Sendable {
        private let lock = NSLock()
        private(set) var singles = 0
        private(set) var batchSizes: [Int] = []

        private func answer(_ method: String, _ params: [RPCValue]) -> Result<RPCValue, RPCError> {
            method == "revert" ? .failure(.server(code: 3, message: "execution reverted", data: nil, url: "fake"))
                : .success(params.first ?? .null)
        }

        func request(_ method: String, _ params: [RPCValue]) async throws -> RPCValue {
            lock.withLock { singles += 1 }
            try await Task.sleep(for: .milliseconds(20))
            return try answer(method, params).get()
        }

        func batch(_ calls: [(method: String, params: [RPCValue])]) async throws -> [Result<RPCValue, RPCError>] {
            lock.withLock { batchSizes.append(calls.count) }
            try await Task.sleep(for: .milliseconds(20))
            return calls.map { answer($0.method, $0.params) }
        }
    }

    func testConcurrentCallsShareBatchesAndEachGetsItsOwnAnswer() async throws {
        let sender = FakeSender()
        let batcher = RPCBatcher(sender: sender, maxBatchSize: 8)
        let answers = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
            for index in 0..<40 {
                group.addTask {
                    if index % 10 == 9 {
                        do {
                            _ = try await batcher.request("revert", [])
                            return (index, "no error")
                        } catch let error as RPCError {
                            guard case .server(let code, _, _, _) = error, code == 3 else { return (index, "\(error)") }
                            return (index, "reverted")
                        }
                    }
                    return (index, try await batcher.request("echo", [.string("answer \(index)")]).stringValue)
                }
            }
            var answers: [Int: String?] = [:]
            for try await (index, answer) in group { answers[index] = answer }
            return answers
        }
        for index in 0..<40 {
            XCTAssertEqual(answers[index], index % 10 == 9 ? "reverted" : "answer \(index)", "call \(index)")
        }
        let requests = await batcher.requestsSent
        XCTAssertEqual(sender.singles + sender.batchSizes.count, requests)
        XCTAssertEqual(sender.singles + sender.batchSizes.reduce(0, +), 40, "every call sent exactly once")
        XCTAssertLessThan(requests, 40, "calls asked for together went out together")
        XCTAssertLessThanOrEqual(sender.batchSizes.max() ?? 0, 8, "no batch above maxBatchSize")
    }

    func testACallAloneIsAPlainRequest() async throws {
        let sender = FakeSender()
        let batcher = RPCBatcher(sender: sender)
        let first = try await batcher.request("echo", [.string("a")])
        let second = try await batcher.request("echo", [.string("b")])
        XCTAssertEqual([first.stringValue, second.stringValue], ["a", "b"])
        XCTAssertEqual(sender.singles, 2)
        XCTAssertEqual(sender.batchSizes, [])
    }
}

import EVM
import Foundation
import XCTest

/// The JSON-RPC client against Tests/Python/evm/mock_rpc.py (a scripted server, see its docstring).
final class JSONRPCClientTests: XCTestCase {
    nonisolated(unsafe) static var server: Process?
    nonisolated(unsafe) static var port = 0

    override class func setUp() {
        super.setUp()
        do {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: try PythonOracle.python())
            process.arguments = [PythonOracle.repositoryRoot.appendingPathComponent("Tests/Python/evm/mock_rpc.py").path]
            let output = Pipe()
            process.standardOutput = output
            try process.run()
            var line = Data()
            while let byte = try output.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data("\n".utf8) {
                line += byte
            }
            port = Int(String(decoding: line, as: UTF8.self)) ?? 0
            server = process
        } catch {
            port = 0
        }
    }

    override class func tearDown() {
        server?.terminate()
        server?.waitUntilExit()
        super.tearDown()
    }

    private func url(_ path: String) throws -> String {
        guard Self.port > 0 else { throw PythonOracleError.unavailable("mock JSON-RPC server did not start") }
        return "http://127.0.0.1:\(Self.port)/\(path)"
    }

    private func client(_ paths: [String], configure: (inout JSONRPCConfiguration) -> Void = { _ in }) throws -> JSONRPCClient {
        var configuration = JSONRPCConfiguration(urls: try paths.map { try url($0) })
        configuration.initialBackoff = .milliseconds(10)
        configuration.timeout = .seconds(1)
        configure(&configuration)
        return JSONRPCClient(configuration: configuration)
    }

    private func requestCount(_ path: String) async throws -> Int {
        let control = JSONRPCClient(urls: [try url("control")])
        guard case .int(let count) = try await control.request("mock_count", [.string("/" + path)]) else { return -1 }
        return Int(count)
    }

    func testTypedMethods() async throws {
        let rpc = try client(["good/typed"])
        let target = try Address(hex: "0x" + String(repeating: "66", count: 20))
        let chainID = try await rpc.chainID()
        XCTAssertEqual(chainID, 31337)
        let head = try await rpc.blockNumber()
        XCTAssertEqual(head, 1000)
        let block = try await rpc.block(.latest)
        XCTAssertEqual(block?.number, 1000)
        XCTAssertEqual(block?.baseFeePerGas, 1_000_000_000)
        XCTAssertEqual(block?.transactions.count, 1)
        let missing = try await rpc.block(.number(999_999))
        XCTAssertNil(missing)
        let result = try await rpc.call(CallRequest(to: target, data: Data([1])), block: .number(5))
        XCTAssertEqual(result, try XCTUnwrap(BigUInt(42).bigEndianBytes()))
        let gas = try await rpc.estimateGas(CallRequest(to: target))
        XCTAssertEqual(gas, 21000)
        let gasPrice = try await rpc.gasPrice()
        let tip = try await rpc.maxPriorityFeePerGas()
        XCTAssertEqual(gasPrice, 1_000_000_000)
        XCTAssertEqual(tip, 1_000_000_000)
        let history = try await rpc.feeHistory(blockCount: 2, rewardPercentiles: [50])
        XCTAssertEqual(history.baseFeePerGas, [1, 2, 3])
        XCTAssertEqual(history.reward, [[16], [32]])
        XCTAssertEqual(history.gasUsedRatio, [0.5, 1])
        let nonce = try await rpc.transactionCount(target)
        XCTAssertEqual(nonce, 21000)
        let hash = try await rpc.sendRawTransaction(Data([1, 2]))
        XCTAssertEqual(hash, Data(repeating: 0x77, count: 32))
        let receipt = try await rpc.transactionReceipt(hash)
        XCTAssertEqual(receipt?.succeeded, true)
        XCTAssertEqual(receipt?.logs.first?.logIndex, 1)
        let pending = try await rpc.transactionReceipt(Data(count: 32))
        XCTAssertNil(pending)
        let logs = try await rpc.logs(LogFilter(fromBlock: .number(1), toBlock: .latest, addresses: [target],
                                                topics: [[Data(repeating: 0x22, count: 32)], nil]))
        XCTAssertEqual(logs.first?.data.last, 5)
        let balance = try await rpc.balance(target)
        XCTAssertEqual(balance, 1_000_000_000)
        let code = try await rpc.code(target)
        XCTAssertEqual(code, Data([0x60, 0x01]))
    }

    func testRevertDataIsKept() async throws {
        let rpc = try client(["good/revert"])
        do {
            _ = try await rpc.call(CallRequest(to: .zero, data: Data([0xde, 0xad, 0xbe, 0xef])))
            XCTFail("expected a revert")
        } catch let error as RPCError {
            XCTAssertEqual(error.revertData, Data([0x1a, 0x00, 0x35, 0x4f]))
            XCTAssertEqual(error.revertReason?.customErrorName, "SubscriptionNotFound")
            XCTAssertTrue(error.description.contains("no subscription with this id"), error.description)
        }
        do {
            _ = try await rpc.request("eth_unknown")
            XCTFail("expected method not found")
        } catch let error as RPCError {
            guard case .server(let code, _, _, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(code, -32601)
        }
    }

    func testRetriesHTTP429AndLimitExceeded() async throws {
        for kind in ["r429", "r32005"] {
            let rpc = try client(["\(kind)/retry"])
            let chainID = try await rpc.chainID()
            XCTAssertEqual(chainID, 31337)
            let count = try await requestCount("\(kind)/retry")
            XCTAssertEqual(count, 3, kind)
            let impatient = try client(["\(kind)/giveup"]) { $0.maxAttempts = 2 }
            do {
                _ = try await impatient.chainID()
                XCTFail("expected rate limiting to win")
            } catch let error as RPCError {
                guard case .rateLimited = error else { return XCTFail("\(kind): \(error)") }
            }
        }
    }

    func testFailOverToSecondURL() async throws {
        var configuration = JSONRPCConfiguration(urls: ["http://127.0.0.1:1/refused", try url("e500/a"), try url("good/failover")])
        configuration.initialBackoff = .milliseconds(10)
        let rpc = JSONRPCClient(configuration: configuration)
        let chainID = try await rpc.chainID()
        XCTAssertEqual(chainID, 31337)
        let status = await rpc.endpointStatus()
        XCTAssertEqual(status.map(\.setAside), [true, true, false])
        // Set-aside URLs are skipped while cooling down: the next call goes straight to the good one.
        _ = try await rpc.chainID()
        let count = try await requestCount("e500/a")
        XCTAssertEqual(count, 1)
    }

    func testLaggingURLIsSetAside() async throws {
        let rpc = try client(["lag/a", "good/lag"])
        let head = try await rpc.blockNumber()
        XCTAssertEqual(head, 1000)
        let status = await rpc.endpointStatus()
        XCTAssertEqual(status.first?.setAside, true)
        XCTAssertTrue(status.first?.reason?.contains("lags 100 blocks") ?? false)
        let chainID = try await rpc.chainID()
        XCTAssertEqual(chainID, 31337, "requests go to the URL that is not lagging")
    }

    func testTimeoutFailsOver() async throws {
        let rpc = try client(["slow/a", "good/timeout"]) { $0.timeout = .milliseconds(300) }
        let chainID = try await rpc.chainID()
        XCTAssertEqual(chainID, 31337)
        let lonely = try client(["slow/b"]) { $0.timeout = .milliseconds(300); $0.maxAttempts = 1 }
        do {
            _ = try await lonely.chainID()
            XCTFail("expected a timeout")
        } catch let error as RPCError {
            guard case .transport = error else { return XCTFail("\(error)") }
        }
    }

    func testBatch() async throws {
        let rpc = try client(["good/batch"])
        let results = try await rpc.batch([
            ("eth_chainId", []), ("eth_call", [.object(["to": .string(Address.zero.hex), "data": "0xdeadbeef"]), "latest"]),
            ("eth_blockNumber", []),
        ])
        XCTAssertEqual(results.count, 3)
        XCTAssertEqual(try results[0].get(), "0x7a69")
        XCTAssertThrowsError(try results[1].get()) { error in
            XCTAssertEqual((error as? RPCError)?.revertReason?.customErrorName, "SubscriptionNotFound")
        }
        XCTAssertEqual(try results[2].get(), "0x3e8")
        let count = try await requestCount("good/batch")
        XCTAssertEqual(count, 1)
    }

    func testNoURLs() async {
        let rpc = JSONRPCClient(urls: [])
        do {
            _ = try await rpc.chainID()
            XCTFail("expected an error")
        } catch {
            XCTAssertTrue("\(error)".contains("no JSON-RPC URLs"))
        }
    }
}

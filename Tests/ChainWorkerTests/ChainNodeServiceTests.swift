import ChainWorker
import Foundation
import InfernetCore
import Logging
import ServiceLifecycle
import XCTest

/// `ChainNode` as a Service of the chain worker's group: with nothing to run it stays until the
/// group shuts down (a service that returned would stop the whole worker), then it returns.
final class ChainNodeServiceTests: XCTestCase {
    func testADisabledChainNodeStaysUntilGracefulShutdown() async throws {
        var config = NodeConfig()
        config.chain.enabled = false
        let logger = Logger(label: "chain-node-test")
        let node = ChainNode(config: config, services: NoNodeServices(), logger: logger)
        let group = ServiceGroup(configuration: .init(services: [node], logger: logger))
        let ended = Flag()
        let run = Task {
            defer { Task { await ended.set() } }
            try await group.run()
        }
        try await Task.sleep(for: .milliseconds(300))
        // Still running: the group would have ended (and cancelled the bus worker) otherwise.
        let endedEarly = await ended.value
        XCTAssertFalse(endedEarly, "the chain node returned and ended its group")
        await group.triggerGracefulShutdown()
        let stopped = ContinuousClock.now
        try await run.value
        XCTAssertLessThan(ContinuousClock.now - stopped, .seconds(5))
    }
}

actor Flag {
    private(set) var value = false
    func set() { value = true }
}

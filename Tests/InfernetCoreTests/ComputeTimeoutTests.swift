import XCTest

@testable import InfernetCore

/// The one compute-timeout rule the gateway and the chain worker share.
final class ComputeTimeoutTests: XCTestCase {
    let rule = ComputeTimeout(containerTimeouts: ["a": .seconds(10), "b": .seconds(20.5)], deadline: .seconds(600), streamTimeout: .seconds(60))

    func testSumsTheJobsOwnContainersPlusTheMargin() {
        XCTAssertEqual(rule.timeout(containers: ["a"]), .seconds(15))
        XCTAssertEqual(rule.timeout(containers: ["a", "b"]), .seconds(35.5))
        // A container used twice in a chain runs twice.
        XCTAssertEqual(rule.timeout(containers: ["a", "a"]), .seconds(25))
    }

    func testContainersOfOtherJobsDoNotCount() {
        // The chain worker used to add every configured container's timeout: not any more.
        XCTAssertEqual(rule.timeout(containers: ["b"]), .seconds(25.5))
    }

    func testUnknownContainerCountsWithTheDefaultTimeout() {
        XCTAssertEqual(rule.timeout(containers: ["missing"]), ComputeTimeout.unknownContainerTimeout + ComputeTimeout.margin)
    }

    func testCappedByTheJobDeadline() {
        let short = ComputeTimeout(containerTimeouts: ["a": .seconds(10), "b": .seconds(20.5)], deadline: .seconds(12), streamTimeout: .seconds(60))
        XCTAssertEqual(short.timeout(containers: ["a", "b"]), .seconds(17))
        XCTAssertEqual(short.timeout(containers: ["a"]), .seconds(15))
    }

    func testStreamsWaitTheStreamTimeout() {
        XCTAssertEqual(rule.timeout(containers: ["a", "b"], stream: true), .seconds(65))
    }

    func testBuiltFromTheConfig() throws {
        let config = try NodeConfig.parse(Array(#"""
            {"node": {"job_deadline": 100, "stream_timeout": 7},
             "containers": [{"id": "x", "image": "i", "timeout": 30}, {"id": "y", "image": "i", "timeout": 90}]}
            """#.utf8))
        let rule = ComputeTimeout(config: config)
        XCTAssertEqual(rule, ComputeTimeout(containerTimeouts: ["x": .seconds(30), "y": .seconds(90)], deadline: .seconds(100), streamTimeout: .seconds(7)))
        XCTAssertEqual(rule.timeout(containers: ["x", "y"]), .seconds(105))
        XCTAssertEqual(rule.timeout(containers: ["x"], stream: true), .seconds(12))
    }
}

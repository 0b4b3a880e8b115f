import XCTest

@testable import InfernetCore

/// The one compute-timeout rule the gateway and the chain worker share.
final class ComputeTimeoutTests: XCTestCase {
    let rule = ComputeTimeout(containerTimeouts: ["a": 10, "b": 20.5], deadline: 600, streamTimeout: 60)

    func testSumsTheJobsOwnContainersPlusTheMargin() {
        XCTAssertEqual(rule.seconds(containers: ["a"]), 15)
        XCTAssertEqual(rule.seconds(containers: ["a", "b"]), 35.5)
        // A container used twice in a chain runs twice.
        XCTAssertEqual(rule.seconds(containers: ["a", "a"]), 25)
    }

    func testContainersOfOtherJobsDoNotCount() {
        // The chain worker used to add every configured container's timeout: not any more.
        XCTAssertEqual(rule.seconds(containers: ["b"]), 25.5)
    }

    func testUnknownContainerCountsWithTheDefaultTimeout() {
        XCTAssertEqual(rule.seconds(containers: ["missing"]), ComputeTimeout.unknownContainerTimeout + ComputeTimeout.margin)
    }

    func testCappedByTheJobDeadline() {
        let short = ComputeTimeout(containerTimeouts: ["a": 10, "b": 20.5], deadline: 12, streamTimeout: 60)
        XCTAssertEqual(short.seconds(containers: ["a", "b"]), 17)
        XCTAssertEqual(short.seconds(containers: ["a"]), 15)
    }

    func testStreamsWaitTheStreamTimeout() {
        XCTAssertEqual(rule.seconds(containers: ["a", "b"], stream: true), 65)
    }

    func testBuiltFromTheConfig() throws {
        let config = try NodeConfig.parse(Array(#"""
            {"node": {"job_deadline": 100, "stream_timeout": 7},
             "containers": [{"id": "x", "image": "i", "timeout": 30}, {"id": "y", "image": "i", "timeout": 90}]}
            """#.utf8))
        let rule = ComputeTimeout(config: config)
        XCTAssertEqual(rule, ComputeTimeout(containerTimeouts: ["x": 30, "y": 90], deadline: 100, streamTimeout: 7))
        XCTAssertEqual(rule.seconds(containers: ["x", "y"]), 105)
        XCTAssertEqual(rule.seconds(containers: ["x"], stream: true), 12)
    }
}

import XCTest

@testable import InfernetBus

final class FrameTests: XCTestCase {
    func testRoundTrip() throws {
        let messages: [BusMessage] = [
            .ready(PeerAnnouncement(service: "compute", containers: ["a", "b"], pid: 42, capacity: 7)),
            .heartbeat, .disconnect,
            .request(BusRequest(id: "1", service: "compute", method: "compute.run", containers: ["a"], stream: true, body: "{\"x\":1}")),
            .reply(BusReply(id: "1", error: "boom", body: "")),
            .chunk(BusChunk(id: "1", data: "héllo")),
        ]
        for message in messages { XCTAssertEqual(try Frame.decode(Frame.encode(message)), message) }
    }

    func testLengthPrefixIsBigEndian() {
        let frame = Frame.encode(.heartbeat)
        let length = Int(frame[0]) << 24 | Int(frame[1]) << 16 | Int(frame[2]) << 8 | Int(frame[3])
        XCTAssertEqual(length, frame.count - 4)
    }

    func testMalformedFramesAreRejectedWithReasons() {
        XCTAssertThrowsError(try Frame.decode([0, 0])) { XCTAssertEqual($0 as? FrameError, .tooShort(2)) }
        XCTAssertThrowsError(try Frame.decode([0, 0, 0, 9, 1])) { XCTAssertEqual($0 as? FrameError, .lengthMismatch(declared: 9, actual: 1)) }
        let json = Array(#"{"type":"bogus"}"#.utf8)
        XCTAssertThrowsError(try Frame.decode([0, 0, 0, UInt8(json.count)] + json)) { error in
            guard case .undecodable = error as? FrameError else { return XCTFail("\(error)") }
        }
    }
}

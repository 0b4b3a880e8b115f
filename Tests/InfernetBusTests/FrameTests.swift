import Foundation
import XCTest

@testable import InfernetBus

final class FrameTests: XCTestCase {
    func testRoundTrip() throws {
        let messages: [BusMessage] = [
            .ready(PeerAnnouncement(service: .compute, containers: ["a", "b"], pid: 42, capacity: 7)),
            .heartbeat, .disconnect,
            .request(BusRequest(id: "1", service: .compute, method: "compute.run", containers: ["a"], stream: true, body: "{\"x\":1}")),
            .reply(BusReply(id: "1", error: BusFailure(.rejected, "boom"), body: "")),
            .chunk(BusChunk(id: "1", data: "héllo")),
        ]
        for message in messages { XCTAssertEqual(try Frame.decode(Frame.encode(message)), message) }
    }

    /// The wire form of a failed reply: `error` is `{"code", "message"}`; a code this build does
    /// not know reads as `internal` instead of failing the frame.
    func testFailureWireFormat() throws {
        let frame = Frame.encode(.reply(BusReply(id: "1", error: BusFailure(.badRequest, "no"))))
        let json = try JSONSerialization.jsonObject(with: Data(frame[4..<(4 + Int(frame[3]))])) as? [String: Any]
        let reply = json?["reply"] as? [String: Any]
        XCTAssertEqual(reply?["error"] as? [String: String], ["code": "bad_request", "message": "no"])
        let newer = Array(#"{"type":"reply","reply":{"id":"2","body":"","error":{"code":"from_the_future","message":"m"}}}"#.utf8)
        let length = UInt8(newer.count)
        XCTAssertEqual(try Frame.decode([0, 0, 0, length] + newer), .reply(BusReply(id: "2", error: BusFailure(.internal, "m"))))
    }

    func testLengthPrefixIsBigEndian() {
        let frame = Frame.encode(.heartbeat)
        let length = Int(frame[0]) << 24 | Int(frame[1]) << 16 | Int(frame[2]) << 8 | Int(frame[3])
        XCTAssertEqual(length, frame.count - 4)
    }

    /// A body travels after the envelope as the bytes it is, not as an escaped JSON string inside it.
    func testBodiesFollowTheEnvelopeUnescaped() throws {
        let body = #"{"input":"a \"quoted\" é","n":[1,2]}"#
        for message: BusMessage in [
            .request(BusRequest(id: "r", service: .compute, method: "compute.run", body: body)),
            .reply(BusReply(id: "r", body: body)),
            .chunk(BusChunk(id: "r", data: body)),
        ] {
            let frame = Frame.encode(message)
            let length = Int(frame[0]) << 24 | Int(frame[1]) << 16 | Int(frame[2]) << 8 | Int(frame[3])
            let envelope = String(decoding: frame[4..<(4 + length)], as: UTF8.self)
            XCTAssertFalse(envelope.contains("input"), envelope)
            XCTAssertFalse(envelope.contains("\"body\""), envelope)
            XCTAssertEqual(Array(frame[(4 + length)...]), Array(body.utf8))
            XCTAssertEqual(try Frame.decode(frame), message)
        }
    }

    func testAnEmptyBodyIsCarriedAsNothing() throws {
        let frame = Frame.encode(.reply(BusReply(id: "e")))
        XCTAssertEqual(Int(frame[3]), frame.count - 4)
        XCTAssertEqual(try Frame.decode(frame), .reply(BusReply(id: "e", body: "")))
    }

    func testMalformedFramesAreRejectedWithReasons() {
        XCTAssertThrowsError(try Frame.decode([0, 0])) { XCTAssertEqual($0 as? FrameError, .tooShort(2)) }
        XCTAssertThrowsError(try Frame.decode([0, 0, 0, 9, 1])) { XCTAssertEqual($0 as? FrameError, .lengthMismatch(declared: 9, actual: 1)) }
        let json = Array(#"{"type":"bogus"}"#.utf8)
        XCTAssertThrowsError(try Frame.decode([0, 0, 0, UInt8(json.count)] + json)) { error in
            guard case .undecodable = error as? FrameError else { return XCTFail("\(error)") }
        }
        let heartbeat = Array(#"{"type":"heartbeat"}"#.utf8)
        XCTAssertThrowsError(try Frame.decode([0, 0, 0, UInt8(heartbeat.count)] + heartbeat + [1, 2, 3])) {
            XCTAssertEqual($0 as? FrameError, .unexpectedBody(bytes: 3))
        }
    }
}

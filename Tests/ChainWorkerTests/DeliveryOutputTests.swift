import BusContract
@testable import ChainWorker
import EVM
import Foundation
import InfernetCore
import XCTest

final class DeliveryOutputTests: XCTestCase {
    private func result(_ output: String?, error: String? = nil) -> ComputeResult {
        ComputeResult(jobID: "j", outcomes: [ContainerOutcome(container: "a", output: "{}"),
                                             ContainerOutcome(container: "b", output: output, error: error)])
    }

    func testPlainOutputIsThePythonStringOfTheLastHop() throws {
        let output = try DeliveryOutput.serialize(result(#"{"answer": 4, "ok": true, "none": null}"#))
        XCTAssertTrue(output.input.isEmpty)
        XCTAssertTrue(output.proof.isEmpty)
        XCTAssertEqual(try ABI.decode(.string, from: output.output).stringValue(), "{'answer': 4, 'ok': True, 'none': None}")
    }

    func testRawAndProcessedFormAndProof() throws {
        let output = try DeliveryOutput.serialize(result(
            #"{"raw_input": "01", "processed_input": null, "raw_output": "0203", "processed_output": "", "proof": "ff"}"#))
        let input = try ABI.decode([.bytes, .bytes], from: output.input)
        XCTAssertEqual(try input[0].bytesValue(), Data([1]))
        XCTAssertEqual(try input[1].bytesValue(), Data())
        XCTAssertEqual(try ABI.decode([.bytes, .bytes], from: output.output)[0].bytesValue(), Data([2, 3]))
        XCTAssertEqual(output.proof, Data([0xff]))
    }

    func testFailuresNameTheirCause() {
        XCTAssertThrowsError(try DeliveryOutput.serialize(result(nil, error: "boom"))) { error in
            XCTAssertEqual(error as? DeliveryError, .computeFailed(container: "b", error: "boom"))
            XCTAssertFalse((error as? DeliveryError)?.isPermanent ?? true, "a failing container may recover")
        }
        XCTAssertThrowsError(try DeliveryOutput.serialize(result(#"{"code": "500", "error": "x"}"#))) { error in
            XCTAssertEqual(error as? DeliveryError, .containerReportedFailure(code: "500"))
        }
        XCTAssertNoThrow(try DeliveryOutput.serialize(result(#"{"code": "200", "output": 1}"#)))
        XCTAssertThrowsError(try DeliveryOutput.serialize(result(
            #"{"raw_input": "zz", "processed_input": null, "raw_output": null, "processed_output": null, "proof": null}"#))) { error in
            XCTAssertTrue("\(error)".contains("raw_input"), "\(error)")
        }
        XCTAssertThrowsError(try DeliveryOutput.serialize(result("not json")))
    }

    func testOnchainInputIsTheHexStringWithoutPrefix() {
        XCTAssertEqual(DeliveryOutput.inputData(Data([0xab, 0x01])), #""ab01""#)
    }

    func testTransactionLinksRoundTripThroughTheStore() {
        let key = IntervalKey(subscriptionID: 12, interval: 3)
        XCTAssertEqual(TransactionLink(stored: TransactionLink.delivery(key).description), .delivery(key))
        XCTAssertEqual(TransactionLink(stored: "delegate:0xab:4"), .delegated("delegate:0xab:4"))
        XCTAssertEqual(TransactionLink(stored: ""), TransactionLink.none)
    }
}

@testable import ChainWorker
import Foundation
import XCTest

/// The transaction manager's pure rules: which receipts a poll reads, and what refusals in a
/// group broadcast do to nonces.
final class TransactionRulesTests: XCTestCase {
    func testReceiptsAreReadOnlyForNoncesTheChainHasUsed() {
        let pending: [(nonce: UInt64, hash: Data)] = [(7, Data([7])), (8, Data([8])), (5, Data([5])), (9, Data([9]))]
        XCTAssertEqual(ReceiptQuery.hashesToRead(pending: pending, minedNonce: 8), [Data([7]), Data([5])])
        XCTAssertEqual(ReceiptQuery.hashesToRead(pending: pending, minedNonce: 5), [], "nothing mined yet: no call")
        XCTAssertEqual(ReceiptQuery.hashesToRead(pending: pending, minedNonce: 10).count, 4)
    }

    func testOnlyRefusalsAtTheEndOfAGroupGiveTheirNoncesBack() {
        XCTAssertEqual(GroupBroadcast.releasedFrom(refused: [false, false, false]), 3, "all taken: nothing given back")
        XCTAssertEqual(GroupBroadcast.releasedFrom(refused: [true, true, true]), 0, "all refused: all given back")
        XCTAssertEqual(GroupBroadcast.releasedFrom(refused: [false, true, true]), 1)
        XCTAssertEqual(GroupBroadcast.releasedFrom(refused: [true, false, true]), 2,
                       "the first stays pending: giving it back would leave a gap before the second")
        XCTAssertEqual(GroupBroadcast.releasedFrom(refused: [true, false]), 2)
        XCTAssertEqual(GroupBroadcast.releasedFrom(refused: []), 0)
    }
}

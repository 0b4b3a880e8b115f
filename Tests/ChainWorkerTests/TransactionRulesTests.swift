@testable import ChainWorker
import Foundation
import XCTest

/// The transaction manager's pure rules: which receipts a poll reads, what refusals in a
/// group broadcast do to nonces, and when a transaction is bumped.
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

    func testATransactionWaitingBehindAMovingQueueIsNotBumped() {
        var rule = FeeBumpRule(afterBlocks: 3)
        XCTAssertFalse(rule.isDue(sentBlock: 10, head: 12), "not yet waited three blocks")
        XCTAssertTrue(rule.isDue(sentBlock: 10, head: 13), "no progress ever seen: the wait alone decides")
        rule.observe(minedNonce: 5, head: 13)
        XCTAssertTrue(rule.isDue(sentBlock: 10, head: 13), "a first reading is not progress")
        rule.observe(minedNonce: 7, head: 14)
        XCTAssertEqual(rule.progressBlock, 14)
        XCTAssertFalse(rule.isDue(sentBlock: 10, head: 14), "the account's queue moved this block: it waits its turn")
        rule.observe(minedNonce: 9, head: 16)
        XCTAssertFalse(rule.isDue(sentBlock: 10, head: 18))
        rule.observe(minedNonce: 9, head: 19)
        XCTAssertEqual(rule.progressBlock, 16, "an unchanged nonce is no progress")
        XCTAssertTrue(rule.isDue(sentBlock: 10, head: 19), "stuck for three blocks: bumped")
        XCTAssertFalse(rule.isDue(sentBlock: 17, head: 19), "sent two blocks ago: not yet")
        rule.observe(minedNonce: 8, head: 20)
        XCTAssertEqual(rule.progressBlock, 16, "a lower reading (a reorg, another endpoint) is no progress")
        XCTAssertTrue(rule.isDue(sentBlock: 10, head: 20))
    }
}

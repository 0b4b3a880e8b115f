@testable import EVM
import XCTest

/// The one EIP-1559 fee policy (the chain worker's signer and the wallet commands).

final class FeePolicyTests: XCTestCase {
    private func history(baseFees: [BigUInt], rewards: [BigUInt]) throws -> FeeHistory {
        try FeeHistory(rpc: .object([
            "oldestBlock": .string("0x1"),
            "baseFeePerGas": .array(baseFees.map { .string("0x" + String($0, radix: 16)) }),
            "gasUsedRatio": .array(rewards.map { _ in .double(0.5) }),
            "reward": .array(rewards.map { .array([.string("0x" + String($0, radix: 16))]) }),
        ]))
    }

    func testNewTransactionPaysTwiceTheNextBaseFeePlusTheLargerTip() throws {
        let policy = FeePolicy(ceilingGwei: 500)
        let fees = policy.fees(history: try history(baseFees: [10, 20, 30], rewards: [1, 5, 3]), suggestedTip: 2)
        XCTAssertEqual(fees.maxPriorityFeePerGas, 3)  // median reward beats the suggestion
        XCTAssertEqual(fees.maxFeePerGas, 63)  // 2 × 30 (next block) + 3
    }

    func testWithoutASuggestionTheMedianRewardIsTheTip() throws {
        let policy = FeePolicy(ceilingGwei: 500)
        let fees = policy.fees(history: try history(baseFees: [10, 20], rewards: [7, 9, 8]), suggestedTip: nil)
        XCTAssertEqual(fees, .init(maxFeePerGas: 48, maxPriorityFeePerGas: 8))
    }

    func testWithNeitherSuggestionNorRewardsTheTipIsOneGwei() throws {
        let policy = FeePolicy(ceilingGwei: 500)
        let fees = policy.fees(history: try history(baseFees: [7], rewards: []), suggestedTip: nil)
        XCTAssertEqual(fees, .init(maxFeePerGas: 14 + 1_000_000_000, maxPriorityFeePerGas: 1_000_000_000))
    }

    func testAChainWithoutFeesStillGetsANonZeroPrice() throws {
        let policy = FeePolicy(ceilingGwei: 500)
        let fees = policy.fees(history: try history(baseFees: [0], rewards: [0]), suggestedTip: 0)
        XCTAssertEqual(fees, .init(maxFeePerGas: 1, maxPriorityFeePerGas: 1))
    }

    func testCeilingCapsBothFees() throws {
        let policy = FeePolicy(ceiling: 50)
        let fees = policy.fees(history: try history(baseFees: [100], rewards: []), suggestedTip: 80)
        XCTAssertEqual(fees, .init(maxFeePerGas: 50, maxPriorityFeePerGas: 50))
    }

    func testBumpRaisesBothFeesByAtLeastAnEighth() throws {
        let policy = FeePolicy(ceilingGwei: 500)
        let previous = FeePolicy.Fees(maxFeePerGas: 1_000, maxPriorityFeePerGas: 100)
        let bumped = try XCTUnwrap(policy.bumped(previous, current: .init(maxFeePerGas: 10, maxPriorityFeePerGas: 1)))
        XCTAssertGreaterThanOrEqual(bumped.maxFeePerGas * 8, previous.maxFeePerGas * 9)
        XCTAssertGreaterThanOrEqual(bumped.maxPriorityFeePerGas * 8, previous.maxPriorityFeePerGas * 9)
        // The market moved up more than 12.5 %: follow the market.
        let market = try XCTUnwrap(policy.bumped(previous, current: .init(maxFeePerGas: 5_000, maxPriorityFeePerGas: 400)))
        XCTAssertEqual(market, .init(maxFeePerGas: 5_000, maxPriorityFeePerGas: 400))
    }

    func testNoBumpWhenTheCeilingLeavesNoRoom() {
        let policy = FeePolicy(ceiling: 1_050)
        XCTAssertNil(policy.bumped(.init(maxFeePerGas: 1_000, maxPriorityFeePerGas: 100),
                                   current: .init(maxFeePerGas: 1_000, maxPriorityFeePerGas: 100)))
    }
}

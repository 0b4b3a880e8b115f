@testable import ChainWorker
import EVM
import InfernetSDK
import Foundation
import XCTest

final class ScheduleTests: XCTestCase {
    let owner = try! Address(hex: "0x7e5f4552091a69125d5dfcb7b8c2659029395bdf", checksum: false)
    let served = ContainerSet.hash(["a"])
    let serves: (Data) -> Bool = { $0 == ContainerSet.hash(["a"]) }

    func sub(activeAt: UInt32 = 1000, period: UInt32 = 0, frequency: UInt32 = 1, redundancy: UInt16 = 1,
             containers: [String] = ["a"]) -> Subscription {
        Subscription(owner: owner, activeAt: activeAt, period: period, frequency: frequency, redundancy: redundancy,
                     containerID: ContainerSet.hash(containers), lazy: false)
    }

    func decide(_ s: Subscription, at t: UInt64, count: UInt16 = 0, responded: Bool = false) -> Schedule.Decision {
        Schedule.decide(s, at: t, serves: serves, redundancyCount: { _ in count }, responded: { _ in responded })
    }

    func testKind() {
        XCTAssertEqual(Schedule.kind(of: sub(period: 0)), .callback)
        XCTAssertEqual(Schedule.kind(of: sub(period: 10, frequency: 3)), .recurring)
    }

    func testIntervalMaths() {
        let recurring = sub(activeAt: 1000, period: 10, frequency: 5)
        XCTAssertNil(Schedule.interval(of: recurring, at: 999))
        XCTAssertEqual(Schedule.interval(of: recurring, at: 1000), 1)
        XCTAssertEqual(Schedule.interval(of: recurring, at: 1009), 1)
        XCTAssertEqual(Schedule.interval(of: recurring, at: 1010), 2)
        XCTAssertEqual(Schedule.interval(of: recurring, at: 1049), 5)
        XCTAssertEqual(Schedule.interval(of: recurring, at: 1050), 6)
        // Period 0: always interval 1 once active.
        XCTAssertEqual(Schedule.interval(of: sub(period: 0), at: 1_000_000), 1)
        var cancelled = recurring
        cancelled.activeAt = Subscription.cancelledActiveAt
        XCTAssertNil(Schedule.interval(of: cancelled, at: UInt64(UInt32.max) + 10))
    }

    func testCallbackSubscription() {
        let callback = sub(activeAt: 1000, period: 0, frequency: 1, redundancy: 2)
        XCTAssertEqual(decide(callback, at: 1000), .due(interval: 1))
        XCTAssertEqual(decide(callback, at: 99_999), .due(interval: 1), "a callback never expires by time")
        XCTAssertEqual(decide(callback, at: 1000, count: 1), .due(interval: 1))
        XCTAssertEqual(decide(callback, at: 1000, count: 2), .redundancyMet(interval: 1))
        XCTAssertEqual(decide(callback, at: 1000, count: 1, responded: true), .alreadyResponded(interval: 1))
    }

    func testRecurringSubscription() {
        let recurring = sub(activeAt: 1000, period: 60, frequency: 3, redundancy: 1)
        XCTAssertEqual(decide(recurring, at: 999), .notActive)
        XCTAssertEqual(decide(recurring, at: 1000), .due(interval: 1))
        XCTAssertEqual(decide(recurring, at: 1061), .due(interval: 2))
        XCTAssertEqual(decide(recurring, at: 1179), .due(interval: 3))
        XCTAssertEqual(decide(recurring, at: 1180), .completed(interval: 4))
        XCTAssertEqual(decide(recurring, at: 1061, count: 1), .redundancyMet(interval: 2))
        XCTAssertEqual(decide(recurring, at: 1061, responded: true), .alreadyResponded(interval: 2))
        // The redundancy/response callbacks are asked about the current interval.
        var asked: [UInt32] = []
        _ = Schedule.decide(recurring, at: 1130, serves: serves, redundancyCount: { asked.append($0); return 0 },
                            responded: { asked.append($0); return false })
        XCTAssertEqual(asked, [3, 3])
    }

    func testNotFoundCancelledNotServed() {
        var missing = sub()
        missing.owner = .zero
        XCTAssertEqual(decide(missing, at: 5000), .notFound)
        var cancelled = sub(period: 10, frequency: 100)
        cancelled.activeAt = Subscription.cancelledActiveAt
        XCTAssertEqual(decide(cancelled, at: UInt64(UInt32.max)), .cancelled)
        XCTAssertEqual(decide(sub(containers: ["b"]), at: 5000), .notServed)
        // Order of checks: not served is reported before redundancy is consulted.
        XCTAssertEqual(decide(sub(containers: ["b"]), at: 5000, count: 9, responded: true), .notServed)
        // Completed before redundancy.
        XCTAssertEqual(decide(sub(activeAt: 0, period: 1, frequency: 1), at: 5, count: 9), .completed(interval: 6))
    }

    func testRedundancyZeroIsNeverDue() {
        XCTAssertEqual(decide(sub(redundancy: 0), at: 1000), .redundancyMet(interval: 1))
    }

    func testIsFinished() {
        XCTAssertFalse(Schedule.isFinished(sub(period: 0), at: 1_000_000))
        XCTAssertFalse(Schedule.isFinished(sub(activeAt: 1000, period: 10, frequency: 2), at: 500), "not active yet")
        XCTAssertFalse(Schedule.isFinished(sub(activeAt: 1000, period: 10, frequency: 2), at: 1019))
        XCTAssertTrue(Schedule.isFinished(sub(activeAt: 1000, period: 10, frequency: 2), at: 1020))
        var cancelled = sub()
        cancelled.activeAt = Subscription.cancelledActiveAt
        XCTAssertTrue(Schedule.isFinished(cancelled, at: 0))
        XCTAssertFalse(Schedule.isFinished(sub(containers: ["zzz"]), at: 1000), "serving is not finishing")
    }

    func testDueAcrossSubscriptions() {
        let lookup = ContainerSetLookup(containerIDs: ["a", "b"], maxChainLength: 2)
        let subs = [
            StoredSubscription(id: 1, subscription: sub(activeAt: 100, period: 0), syncedBlock: 1),            // due 1/1
            StoredSubscription(id: 2, subscription: sub(activeAt: 100, period: 10, frequency: 10), syncedBlock: 1), // interval 91 > 10
            StoredSubscription(id: 3, subscription: sub(activeAt: 100, period: 100, frequency: 10, containers: ["b", "a"]),
                               syncedBlock: 1),                                                                  // due 3/9
            StoredSubscription(id: 4, subscription: sub(activeAt: 100, period: 0, redundancy: 2), syncedBlock: 1), // count 2 -> met
            StoredSubscription(id: 5, subscription: sub(activeAt: 100, period: 0, redundancy: 3), syncedBlock: 1), // responded
            StoredSubscription(id: 6, subscription: sub(activeAt: 2000, period: 0), syncedBlock: 1),           // not active
            StoredSubscription(id: 7, subscription: sub(activeAt: 100, period: 0, containers: ["c"]), syncedBlock: 1), // not served
            StoredSubscription(id: 8, subscription: sub(activeAt: 100, period: 0, redundancy: 3), syncedBlock: 1), // count 2 < 3
        ]
        let candidates = Schedule.candidates(subs, at: 1000, lookup: lookup)
        XCTAssertEqual(candidates.map(\.description), ["1/1", "3/10", "4/1", "5/1", "8/1"])
        let due = Schedule.due(subs, at: 1000, lookup: lookup,
                               redundancyCounts: [IntervalKey(subscriptionID: 4, interval: 1): 2,
                                                  IntervalKey(subscriptionID: 8, interval: 1): 2],
                               responded: [IntervalKey(subscriptionID: 5, interval: 1)])
        XCTAssertEqual(due.map(\.description), ["1/1", "3/10", "8/1"])
    }

    func testContainerSetLookup() {
        let lookup = ContainerSetLookup(containerIDs: ["a", "b", "c", "a"], maxChainLength: 3)
        XCTAssertEqual(lookup.count, 3 + 6 + 6)
        XCTAssertEqual(lookup.chain(for: ContainerSet.hash(["c", "a", "b"])), ["c", "a", "b"])
        XCTAssertEqual(lookup.chain(for: ContainerSet.hash(joined: "b,c")), ["b", "c"])
        XCTAssertNil(lookup.chain(for: ContainerSet.hash(["a", "a"])), "ids in a chain are distinct")
        XCTAssertNil(lookup.chain(for: ContainerSet.hash(["d"])))
        let short = ContainerSetLookup(containerIDs: ["a", "b", "c"], maxChainLength: 1)
        XCTAssertEqual(short.count, 3)
        XCTAssertFalse(short.serves(ContainerSet.hash(["a", "b"])))
        XCTAssertTrue(short.serves(ContainerSet.hash(["b"])))
        XCTAssertEqual(ContainerSetLookup(containerIDs: [], maxChainLength: 3).count, 0)
        XCTAssertEqual(ContainerSetLookup(containerIDs: ["a", "b"], maxChainLength: 5).count, 4)
    }

    func testThisNodesResponseIsReadOnlyWhenSomeoneAnswered() {
        // The Coordinator counts an answer and marks the node's response in the same call, so
        // with no answers the node cannot have responded (no `nodeResponded` read needed).
        XCTAssertFalse(Schedule.mayHaveResponded(redundancyCount: 0))
        XCTAssertTrue(Schedule.mayHaveResponded(redundancyCount: 1))
        XCTAssertTrue(Schedule.mayHaveResponded(redundancyCount: 4))
    }
}

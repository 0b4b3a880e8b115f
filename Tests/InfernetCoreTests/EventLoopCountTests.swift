import InfernetCore
import XCTest

/// How many event loops each kind of process runs, and the override operators set.
final class EventLoopCountTests: XCTestCase {
    func testWorkersRunOneLoopAndFrontEndsHalfTheCores() throws {
        for cores in [1, 2, 3, 16] {
            XCTAssertEqual(try EventLoopCount.one.loops(cores: cores, override: nil), 1)
        }
        XCTAssertEqual(try EventLoopCount.halfTheCores.loops(cores: 1, override: nil), 1)
        XCTAssertEqual(try EventLoopCount.halfTheCores.loops(cores: 2, override: nil), 1)
        XCTAssertEqual(try EventLoopCount.halfTheCores.loops(cores: 3, override: nil), 1)
        XCTAssertEqual(try EventLoopCount.halfTheCores.loops(cores: 16, override: nil), 8)
    }

    func testTheOverrideWinsAndABadOneNamesTheVariable() throws {
        XCTAssertEqual(try EventLoopCount.one.loops(cores: 2, override: "4"), 4)
        XCTAssertEqual(try EventLoopCount.halfTheCores.loops(cores: 16, override: " 1 "), 1)
        for bad in ["0", "-2", "two", "", "100000"] {
            XCTAssertThrowsError(try EventLoopCount.one.loops(cores: 2, override: bad)) { error in
                let text = "\(error)"
                XCTAssertTrue(text.contains("INFERNET_EVENT_LOOPS"), text)
                XCTAssertTrue(text.contains("'\(bad)'"), text)
            }
        }
    }
}

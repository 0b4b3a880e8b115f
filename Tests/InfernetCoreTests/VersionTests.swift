import XCTest
@testable import InfernetCore
final class VersionTests: XCTestCase { func testVersion() { XCTAssertFalse(InfernetCoreVersion.version.isEmpty) } }

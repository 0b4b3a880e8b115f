import XCTest
final class ComputeWorkerTestsStub: XCTestCase { func testStub() {} }

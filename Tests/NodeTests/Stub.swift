import XCTest
import Gateway
final class NodeStubTests: XCTestCase { func testStub() {} }

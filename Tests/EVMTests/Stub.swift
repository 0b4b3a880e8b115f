import XCTest
import EVM
final class EVMStubTests: XCTestCase { func testStub() {} }

import XCTest
import InfernetBus
final class BusStubTests: XCTestCase { func testStub() {} }

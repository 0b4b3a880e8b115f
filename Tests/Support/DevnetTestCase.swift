import Foundation
import XCTest

/// A test case with one devnet for the whole suite (started in `setUp()` of the class, stopped
/// in `tearDown()`); tests fail with the start-up error if it could not start. Started on the
/// main thread on purpose: a child spawned from a concurrency-pool thread can inherit a signal
/// mask that blocks the SIGTERM `stop()` sends. Subclasses pass
/// extra `python -m devnet` flags through `devnetArguments`.
open class DevnetTestCase: XCTestCase {
    nonisolated(unsafe) private static var devnets: [ObjectIdentifier: Result<DevnetProcess, any Error>] = [:]

    open class var devnetArguments: [String] { [] }

    override open class func setUp() {
        super.setUp()
        devnets[ObjectIdentifier(self)] = Result { try DevnetProcess(arguments: devnetArguments) }
    }

    override open class func tearDown() {
        (try? devnets.removeValue(forKey: ObjectIdentifier(self))?.get())?.stop()
        super.tearDown()
    }

    /// This suite's devnet.
    public func devnet() throws -> DevnetProcess {
        guard let result = Self.devnets[ObjectIdentifier(type(of: self))] else {
            throw ProjectPython.Unavailable(description: "the devnet was not started for \(type(of: self))")
        }
        return try result.get()
    }

    /// A client for this suite's devnet.
    public func devnetClient() throws -> DevnetClient { DevnetClient(rpcURL: try devnet().rpcURL) }
}

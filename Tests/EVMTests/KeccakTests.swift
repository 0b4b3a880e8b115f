import InfernetCore
import EVM
import Foundation
import TestSupport
import XCTest

final class KeccakTests: XCTestCase {
    func testPublishedVectors() {
        XCTAssertEqual(Keccak256.hash("").bareHexString, "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470")
        XCTAssertEqual(Keccak256.hash("abc").bareHexString, "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45")
        XCTAssertEqual(Keccak256.hash("The quick brown fox jumps over the lazy dog").bareHexString,
                       "4d741b6f1eb29cb2a9b9911c82f56fa8d73b04959d3d9d222895df6c0b28aa15")
    }

    func testRateBoundaries() {
        XCTAssertEqual(Keccak256.hash(String(repeating: "a", count: 135)).bareHexString,
                       "34367dc248bbd832f4e3e69dfaac2f92638bd0bbd18f2912ba4ef454919cf446")
        XCTAssertEqual(Keccak256.hash(String(repeating: "a", count: 136)).bareHexString,
                       "a6c4d403279fe3e0af03729caada8374b5ca54d8065329a3ebcaeb4b60aa386e")
        XCTAssertEqual(Keccak256.hash(String(repeating: "a", count: 137)).bareHexString,
                       "d869f639c7046b4929fc92a4d988a8b22c55fbadb802c0c66ebcd484f1915f39")
        XCTAssertEqual(Keccak256.hash(String(repeating: "a", count: 1_000_000)).bareHexString,
                       "fadae6b49f129bbb812be8407b7b2894f34aecf6dbd1f9b0f0c7e9853098fc96")
    }

    func testIncrementalMatchesOneShot() {
        var generator = SplitMix64(seed: 7)
        for length in Array(0...300) + [500, 4096] {
            let data = Data((0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) })
            var hasher = Keccak256()
            var index = 0
            while index < data.count {
                let step = Int.random(in: 1...200, using: &generator)
                hasher.update(data[index..<min(index + step, data.count)])
                index += step
            }
            XCTAssertEqual(hasher.finalize(), Keccak256.hash(data), "length \(length)")
        }
    }

    func testSliceWithNonZeroStartIndex() {
        let data = Data("xxabc".utf8)
        XCTAssertEqual(Keccak256.hash(data.dropFirst(2)), Keccak256.hash("abc"))
    }
}

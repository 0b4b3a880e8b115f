import Foundation

/// Keccak-256 as Ethereum uses it (the original Keccak padding `0x01 … 0x80`, not SHA3-256's `0x06`).
///
/// One-shot: `Keccak256.hash(data)`. Incremental: create a `Keccak256`, call `update(_:)` any
/// number of times, then `finalize()`.
public struct Keccak256: Sendable {
    /// The rate of Keccak-256 in bytes (1600 - 2 * 256 bits).
    public static let rate = 136
    /// The digest size in bytes.
    public static let digestSize = 32

    private var state = [UInt64](repeating: 0, count: 25)
    private var buffer = [UInt8](repeating: 0, count: Keccak256.rate)
    private var buffered = 0

    public init() {}

    /// Hashes `data` in one call and returns the 32-byte digest.
    public static func hash<Bytes: ContiguousBytes>(_ data: Bytes) -> Data {
        data.withUnsafeBytes { hash(raw: $0) }
    }

    /// One-shot hashing without heap allocations for the state (stack buffers).
    public static func hash(raw input: UnsafeRawBufferPointer) -> Data {
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 25 + rate / 8) { scratch in
            guard let state = scratch.baseAddress else { return Data() }
            state.initialize(repeating: 0, count: 25 + rate / 8)
            let blocks = input.count / rate
            if blocks > 0, let base = input.baseAddress {
                keccakAbsorb(state: state, input: base, blockCount: blocks)
            }
            // The final, padded block (lanes 25… of the scratch space).
            let last = UnsafeMutableRawPointer(state + 25)
            let tail = input.count - blocks * rate
            if tail > 0, let base = input.baseAddress {
                last.copyMemory(from: base + blocks * rate, byteCount: tail)
            }
            last.storeBytes(of: last.load(fromByteOffset: tail, as: UInt8.self) ^ 0x01, toByteOffset: tail, as: UInt8.self)
            last.storeBytes(of: last.load(fromByteOffset: rate - 1, as: UInt8.self) ^ 0x80, toByteOffset: rate - 1, as: UInt8.self)
            keccakAbsorb(state: state, input: UnsafeRawPointer(last), blockCount: 1)
            var digest = Data(count: digestSize)
            digest.withUnsafeMutableBytes { out in
                for lane in 0..<4 { out.storeBytes(of: state[lane].littleEndian, toByteOffset: lane * 8, as: UInt64.self) }
            }
            return digest
        }
    }

    /// Hashes the UTF-8 bytes of `string`.
    public static func hash(_ string: String) -> Data {
        hash(Data(string.utf8))
    }

    /// Absorbs more input.
    public mutating func update<Bytes: ContiguousBytes>(_ data: Bytes) {
        data.withUnsafeBytes { update(raw: $0) }
    }

    /// Absorbs more input from a raw buffer.
    public mutating func update(raw input: UnsafeRawBufferPointer) {
        guard var base = input.baseAddress, input.count > 0 else { return }
        var count = input.count
        let rate = Keccak256.rate
        if buffered > 0 {
            let take = min(rate - buffered, count)
            buffer.withUnsafeMutableBytes { ($0.baseAddress! + buffered).copyMemory(from: base, byteCount: take) }
            buffered += take
            base += take
            count -= take
            if buffered == rate {
                absorbBuffer()
            }
        }
        let blocks = count / rate
        if blocks > 0 {
            let start = base
            state.withUnsafeMutableBufferPointer { keccakAbsorb(state: $0.baseAddress!, input: start, blockCount: blocks) }
            base += blocks * rate
            count -= blocks * rate
        }
        if count > 0 {
            let start = base
            buffer.withUnsafeMutableBytes { $0.baseAddress!.copyMemory(from: start, byteCount: count) }
            buffered = count
        }
    }

    /// Pads, permutes and returns the 32-byte digest. The hasher should not be used afterwards.
    public mutating func finalize() -> Data {
        let rate = Keccak256.rate
        for index in buffered..<rate { buffer[index] = 0 }
        buffer[buffered] ^= 0x01
        buffer[rate - 1] ^= 0x80
        buffered = rate
        absorbBuffer()
        var digest = Data(count: Keccak256.digestSize)
        digest.withUnsafeMutableBytes { out in
            for lane in 0..<4 {
                out.storeBytes(of: state[lane].littleEndian, toByteOffset: lane * 8, as: UInt64.self)
            }
        }
        return digest
    }

    private mutating func absorbBuffer() {
        buffer.withUnsafeBytes { block in
            state.withUnsafeMutableBufferPointer {
                keccakAbsorb(state: $0.baseAddress!, input: block.baseAddress!, blockCount: 1)
            }
        }
        buffered = 0
    }
}

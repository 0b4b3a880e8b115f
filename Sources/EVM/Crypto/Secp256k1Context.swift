import CSecp256k1
import Foundation

/// The one libsecp256k1 context of the process. libsecp256k1 functions that take a `const`
/// context are safe to call from many threads at once; the context is only mutated (randomised)
/// at creation.
final class Secp256k1Context: @unchecked Sendable {
    static let shared = Secp256k1Context()

    let pointer: OpaquePointer

    private init() {
        // SECP256K1_CONTEXT_NONE is a macro Swift cannot import; its value is SECP256K1_FLAGS_TYPE_CONTEXT (1).
        guard let context = secp256k1_context_create(UInt32(SECP256K1_FLAGS_TYPE_CONTEXT)) else {
            fatalError("secp256k1_context_create failed: libsecp256k1 is unusable")
        }
        var seed = [UInt8](repeating: 0, count: 32)
        var generator = SystemRandomNumberGenerator()
        for index in seed.indices { seed[index] = generator.next() }
        _ = secp256k1_context_randomize(context, seed)
        pointer = context
    }

    deinit { secp256k1_context_destroy(pointer) }
}

/// Errors from key handling, signing and recovery.
public enum CryptoError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidPrivateKey
    case invalidPublicKey
    case invalidSignature(String)
    case invalidHashLength(Int)
    case recoveryFailed

    public var description: String {
        switch self {
        case .invalidPrivateKey: "the private key is not 32 bytes in 1..<n (the secp256k1 group order)"
        case .invalidPublicKey: "the public key is not a valid 33- or 65-byte (or 64-byte raw) secp256k1 point"
        case .invalidSignature(let reason): "invalid signature: \(reason)"
        case .invalidHashLength(let count): "the message hash must be 32 bytes, got \(count)"
        case .recoveryFailed: "no public key can be recovered from this signature and hash"
        }
    }
}

import CSecp256k1
import Foundation

/// A secp256k1 private key.
public struct PrivateKey: Hashable, Sendable, CustomStringConvertible {
    /// The 32 raw bytes (big-endian scalar).
    public let rawValue: Data

    /// Wraps 32 bytes that must be a valid scalar in 1..<n.
    public init(_ bytes: Data) throws(CryptoError) {
        let key = [UInt8](bytes)
        guard key.count == 32, secp256k1_ec_seckey_verify(Secp256k1Context.shared.pointer, key) == 1 else {
            throw .invalidPrivateKey
        }
        rawValue = Data(key)
    }

    /// Parses `0x`-prefixed or bare hex.
    public init(hex: String) throws(CryptoError) {
        guard let bytes = try? Hex.decode(hex, count: 32) else { throw .invalidPrivateKey }
        try self.init(bytes)
    }

    /// A fresh key from the system's secure random generator.
    public static func random() -> PrivateKey {
        var generator = SystemRandomNumberGenerator()
        while true {
            let bytes = Data((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
            if let key = try? PrivateKey(bytes) { return key }
        }
    }

    /// The matching public key.
    public var publicKey: PublicKey {
        var pubkey = secp256k1_pubkey()
        let key = [UInt8](rawValue)
        // Cannot fail: the key was validated at construction.
        _ = secp256k1_ec_pubkey_create(Secp256k1Context.shared.pointer, &pubkey, key)
        return PublicKey(pubkey)
    }

    /// The account address.
    public var address: Address { publicKey.address }

    /// Signs a 32-byte hash (RFC 6979 deterministic nonce, low-S).
    public func sign(hash: Data) throws(CryptoError) -> Signature {
        guard hash.count == 32 else { throw .invalidHashLength(hash.count) }
        let message = [UInt8](hash)
        let key = [UInt8](rawValue)
        var signature = secp256k1_ecdsa_recoverable_signature()
        guard secp256k1_ecdsa_sign_recoverable(Secp256k1Context.shared.pointer, &signature, message, key, nil, nil) == 1 else {
            throw .invalidPrivateKey
        }
        var compact = [UInt8](repeating: 0, count: 64)
        var recoveryID: Int32 = 0
        _ = secp256k1_ecdsa_recoverable_signature_serialize_compact(Secp256k1Context.shared.pointer, &compact, &recoveryID, &signature)
        return Signature(unchecked: Data(compact[0..<32]), s: Data(compact[32..<64]), recoveryID: UInt8(recoveryID))
    }

    /// `personal_sign`: signs the EIP-191 hash of `message`.
    public func signPersonalMessage(_ message: Data) throws(CryptoError) -> Signature {
        try sign(hash: PersonalMessage.hash(message))
    }

    /// Never prints the key itself.
    public var description: String { "PrivateKey(\(address))" }
}

/// A secp256k1 public key.
public struct PublicKey: Hashable, Sendable, CustomStringConvertible {
    /// Uncompressed SEC1 form: `0x04 || X || Y` (65 bytes).
    public let uncompressed: Data

    init(_ pubkey: secp256k1_pubkey) {
        var key = pubkey
        var out = [UInt8](repeating: 0, count: 65)
        var length = 65
        _ = secp256k1_ec_pubkey_serialize(Secp256k1Context.shared.pointer, &out, &length, &key, UInt32(SECP256K1_EC_UNCOMPRESSED))
        uncompressed = Data(out)
    }

    /// Parses 33 bytes (compressed), 65 bytes (uncompressed) or 64 bytes (raw X || Y).
    public init(_ bytes: Data) throws(CryptoError) {
        var input = [UInt8](bytes)
        if input.count == 64 { input.insert(0x04, at: 0) }
        guard input.count == 33 || input.count == 65 else { throw .invalidPublicKey }
        var pubkey = secp256k1_pubkey()
        guard secp256k1_ec_pubkey_parse(Secp256k1Context.shared.pointer, &pubkey, input, input.count) == 1 else {
            throw .invalidPublicKey
        }
        self.init(pubkey)
    }

    /// Compressed SEC1 form (33 bytes).
    public var compressed: Data {
        var prefix: UInt8 = 0x02
        if let last = uncompressed.last, last & 1 == 1 { prefix = 0x03 }
        return Data([prefix]) + uncompressed[uncompressed.startIndex + 1..<uncompressed.startIndex + 33]
    }

    /// The account address: the last 20 bytes of Keccak-256(X || Y).
    public var address: Address { Address(publicKey64: Data(uncompressed.dropFirst())) }

    public var description: String { "PublicKey(\(uncompressed.hexString))" }
}

/// EIP-191 version 0x45 (`personal_sign`) message hashing.
public enum PersonalMessage {
    /// Keccak-256 of `"\u{19}Ethereum Signed Message:\n" + len(message) + message`.
    public static func hash(_ message: Data) -> Data {
        var hasher = Keccak256()
        hasher.update(Data("\u{19}Ethereum Signed Message:\n\(message.count)".utf8))
        hasher.update(message)
        return hasher.finalize()
    }

    /// Hash of a UTF-8 text message.
    public static func hash(_ message: String) -> Data { hash(Data(message.utf8)) }
}

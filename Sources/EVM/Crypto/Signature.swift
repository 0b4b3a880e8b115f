import BigInt
import CSecp256k1
import Foundation

/// A recoverable ECDSA signature (r, s, recovery id).
public struct Signature: Hashable, Sendable, CustomStringConvertible {
    /// 32 bytes.
    public let r: Data
    /// 32 bytes.
    public let s: Data
    /// 0 or 1 (the parity of the R point's y coordinate).
    public let recoveryID: UInt8

    /// Half the secp256k1 group order; EIP-2 requires `s <= secp256k1nHalf`.
    public static let secp256k1nHalf = BigUInt("7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0", radix: 16) ?? 0
    /// The secp256k1 group order n.
    public static let secp256k1n = BigUInt("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141", radix: 16) ?? 0

    init(unchecked r: Data, s: Data, recoveryID: UInt8) {
        self.r = Data(r)
        self.s = Data(s)
        self.recoveryID = recoveryID
    }

    /// From components; `v` may be 0/1, 27/28, or an EIP-155 value `chainId * 2 + 35/36`.
    /// r and s must be in 1..<n.
    public init(r: Data, s: Data, v: UInt64) throws(CryptoError) {
        guard r.count == 32, s.count == 32 else { throw .invalidSignature("r and s must be 32 bytes each") }
        let rValue = BigUInt(r), sValue = BigUInt(s)
        guard rValue > 0, rValue < Self.secp256k1n, sValue > 0, sValue < Self.secp256k1n else {
            throw .invalidSignature("r and s must be in 1..<n")
        }
        let recovery: UInt64
        switch v {
        case 0, 1: recovery = v
        case 27, 28: recovery = v - 27
        case 35...: recovery = (v - 35) % 2
        default: throw .invalidSignature("v = \(v) is not 0, 1, 27, 28 or an EIP-155 value")
        }
        self.init(unchecked: r, s: s, recoveryID: UInt8(recovery))
    }

    /// From the 65-byte `r || s || v` form (v 0/1 or 27/28), as `eth_sign`/`personal_sign` return it.
    public init(bytes: Data) throws(CryptoError) {
        guard bytes.count == 65, let v = bytes.last else { throw .invalidSignature("expected 65 bytes, got \(bytes.count)") }
        let start = bytes.startIndex
        try self.init(r: bytes[start..<start + 32], s: bytes[start + 32..<start + 64], v: UInt64(v))
    }

    /// `r || s || v` with v = 27 or 28.
    public var bytes: Data { r + s + Data([27 + recoveryID]) }

    /// v as 27 or 28.
    public var v: UInt8 { 27 + recoveryID }

    /// Whether s is in the lower half of the order (required for transactions since EIP-2).
    public var isLowS: Bool { BigUInt(s) <= Self.secp256k1nHalf }

    /// Recovers the public key that signed `hash`.
    public func recoverPublicKey(hash: Data) throws(CryptoError) -> PublicKey {
        guard hash.count == 32 else { throw .invalidHashLength(hash.count) }
        let context = Secp256k1Context.shared.pointer
        let compact = [UInt8](r + s)
        var signature = secp256k1_ecdsa_recoverable_signature()
        guard secp256k1_ecdsa_recoverable_signature_parse_compact(context, &signature, compact, Int32(recoveryID)) == 1 else {
            throw .invalidSignature("r or s out of range")
        }
        var pubkey = secp256k1_pubkey()
        let message = [UInt8](hash)
        guard secp256k1_ecdsa_recover(context, &pubkey, &signature, message) == 1 else { throw .recoveryFailed }
        return PublicKey(pubkey)
    }

    /// Recovers the signer's address.
    public func recoverAddress(hash: Data) throws(CryptoError) -> Address {
        try recoverPublicKey(hash: hash).address
    }

    /// Whether `address` signed `hash`.
    public func isValid(hash: Data, signer address: Address) -> Bool {
        (try? recoverAddress(hash: hash)) == address
    }

    public var description: String { bytes.hexString }
}

import Foundation

/// EIP-55 mixed-case address checksums: the one rule for the config check and `Address`.
public enum EIP55 {
    /// The checksummed form of 40 lower-case hex digits (no `0x`): a hex letter is upper case where
    /// the Keccak-256 of the lower-case hex has a nibble of 8 or more.
    public static func checksummed(lowerHex lower: String) -> String {
        let hash = Keccak256.hash(Data(lower.utf8))
        var out = ""
        for (index, char) in lower.enumerated() {
            let nibble = (hash[hash.startIndex + index / 2] >> (index % 2 == 0 ? 4 : 0)) & 0x0F
            out.append(char.isLetter && nibble >= 8 ? Character(char.uppercased()) : char)
        }
        return out
    }
}

import BigInt
import Foundation

/// What a revert's return data says.
public enum RevertReason: Hashable, Sendable, CustomStringConvertible {
    /// No data (e.g. `revert()` or `require(cond)` without a message).
    case empty
    /// `Error(string)`, from `require(cond, "message")` / `revert("message")`.
    case message(String)
    /// `Panic(uint256)`, from failed asserts, arithmetic overflow, division by zero, …
    case panic(code: BigUInt)
    /// A known custom error, decoded by its selector.
    case custom(name: String, arguments: [ABIValue])
    /// Data that matches no known error (kept raw).
    case unknown(Data)

    /// `Error(string)`.
    public static let errorString = ABICustomError(name: "Error", inputs: [.string])
    /// `Panic(uint256)`.
    public static let panicCode = ABICustomError(name: "Panic", inputs: [.uint256])

    /// Decodes revert data. `errors` lists the custom errors to recognise (defaults to the
    /// Infernet SDK errors).
    public init(data: Data, errors: [ABICustomError] = InfernetSDKError.all) {
        guard data.count >= 4 else {
            self = data.isEmpty ? .empty : .unknown(data)
            return
        }
        let selector = data.prefix(4)
        let body = Data(data.dropFirst(4))
        if selector == Self.errorString.selector, let text = try? ABI.decode(.string, from: body).stringValue() {
            self = .message(text)
        } else if selector == Self.panicCode.selector, let code = try? ABI.decode(.uint256, from: body).uintValue() {
            self = .panic(code: code)
        } else if let error = errors.first(where: { $0.selector == selector }),
                  let arguments = try? ABI.decode(error.inputs, from: body) {
            self = .custom(name: error.name, arguments: arguments)
        } else {
            self = .unknown(data)
        }
    }

    /// The custom error's name, if this is one.
    public var customErrorName: String? {
        if case .custom(let name, _) = self { return name }
        return nil
    }

    public var description: String {
        switch self {
        case .empty: "reverted without data"
        case .message(let text): "reverted: \(text)"
        case .panic(let code): "panicked: \(Self.panicDescription(code))"
        case .custom(let name, let arguments):
            if let meaning = InfernetSDKError.meanings[name] {
                "reverted with \(name): \(meaning)"
            } else {
                "reverted with \(name)(\(arguments.map { "\($0)" }.joined(separator: ", ")))"
            }
        case .unknown(let data): "reverted with unrecognised data \(data.hexString)"
        }
    }

    /// The meaning of a Solidity panic code.
    public static func panicDescription(_ code: BigUInt) -> String {
        let known: [UInt64: String] = [
            0x00: "generic compiler panic", 0x01: "assertion failed", 0x11: "arithmetic overflow or underflow",
            0x12: "division or modulo by zero", 0x21: "invalid enum value", 0x22: "corrupt storage byte array",
            0x31: "pop on an empty array", 0x32: "array index out of bounds", 0x41: "out of memory",
            0x51: "call to an uninitialised function pointer",
        ]
        let hex = "0x" + String(code, radix: 16)
        if let small = UInt64(exactly: code), let meaning = known[small] { return "\(meaning) (\(hex))" }
        return "code \(hex)"
    }
}

/// The custom errors of the Infernet SDK v1.1 contracts (no arguments), with readable meanings.
public enum InfernetSDKError {
    /// Name → what it means for an operator.
    public static let meanings: [String: String] = [
        "InvalidWallet": "the node's or the consumer's payment wallet was not created by the WalletFactory",
        "IntervalMismatch": "the delivery interval is not the subscription's current interval",
        "IntervalCompleted": "the interval already has all the responses its redundancy allows",
        "UnauthorizedVerifier": "only the subscription's verifier may finalise the proof before its expiry",
        "NodeRespondedAlready": "this node already responded for this interval",
        "SubscriptionNotFound": "no subscription with this id",
        "ProofRequestNotFound": "no pending proof request for this subscription, interval and node",
        "NotSubscriptionOwner": "only the subscription owner may do this",
        "SubscriptionCompleted": "the subscription has delivered all its intervals",
        "SubscriptionNotActive": "the subscription is not active yet, or was cancelled",
        "UnsupportedVerifierToken": "the verifier does not accept the subscription's payment token",
        "SignerMismatch": "the EIP-712 signature was not made by the consumer's getSigner()",
        "SignatureExpired": "the delegated subscription signature has expired",
        "InvalidSignature": "the EIP-712 signature is malformed",
        "Reentrancy": "re-entrant call",
        "NotCoordinator": "only the coordinator may call this",
        "InsufficientFunds": "the wallet's unlocked balance is too low",
        "InsufficientAllowance": "the wallet's allowance for this spender and token is too low",
        "NodeNotAllowed": "the consumer's allowlist does not include this node",
        "Unauthorized": "the caller is not the wallet's owner",
    ]

    /// Every SDK error as an `ABICustomError`.
    public static let all: [ABICustomError] = meanings.keys.sorted().map { ABICustomError(name: $0) }
}

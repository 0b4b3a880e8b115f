import Foundation
import EVM
import InfernetSDK
import InfernetCore

/// `POST /api/jobs` with a signed subscription (`{"subscription", "signature", "data"}`), read
/// into the Coordinator's types so the signature can be checked before the node answers.
public struct DelegatedSubscriptionRequest: Sendable, Equatable {
    /// `containerID` is the container-set hash the client sent as `subscription.containers`.
    public var subscription: Subscription
    public var signature: DelegateSignature
    /// The first container's input (a JSON object).
    public var data: JSONValue

    public init(subscription: Subscription, signature: DelegateSignature, data: JSONValue) {
        self.subscription = subscription
        self.signature = signature
        self.data = data
    }
}

extension DelegatedSubscriptionRequest {
    static let subscriptionKeys = [
        "owner", "active_at", "period", "frequency", "redundancy", "containers", "lazy", "verifier",
        "payment_amount", "payment_token", "wallet",
    ]
    static let signatureKeys = ["nonce", "expiry", "v", "r", "s"]

    /// Every missing key is reported before any wrong type, so a client sending an old shape
    /// learns what is missing first.
    init(_ object: JSONObject) throws(APIError) {
        guard let subscriptionValue = object["subscription"] else { throw APIError.field("subscription", "required") }
        guard let subscriptionObject = subscriptionValue.objectValue else {
            throw APIError.field("subscription", "expected an object, got \(subscriptionValue.typeName)")
        }
        for key in Self.subscriptionKeys where subscriptionObject[key] == nil {
            throw APIError.field("subscription.\(key)", "required")
        }
        guard let signatureValue = object["signature"] else { throw APIError.field("signature", "required") }
        guard let signatureObject = signatureValue.objectValue else {
            throw APIError.field("signature", "expected an object, got \(signatureValue.typeName)")
        }
        for key in Self.signatureKeys where signatureObject[key] == nil {
            throw APIError.field("signature.\(key)", "required")
        }
        let data = object["data"] ?? .object(JSONObject())
        guard data.objectValue != nil else { throw APIError.field("data", "expected an object, got \(data.typeName)") }
        self.init(subscription: try Self.subscription(RequestFields(path: "subscription", object: subscriptionObject)),
                  signature: try Self.signature(RequestFields(path: "signature", object: signatureObject)),
                  data: data)
    }

    static func subscription(_ fields: RequestFields) throws(APIError) -> Subscription {
        Subscription(
            owner: try fields.address("owner"), activeAt: try fields.integer("active_at"),
            period: try fields.integer("period"), frequency: try fields.integer("frequency"),
            redundancy: try fields.integer("redundancy"), containerID: try fields.bytes32("containers"),
            lazy: try fields.bool("lazy"), verifier: try fields.address("verifier"),
            paymentAmount: try fields.uint256("payment_amount"), paymentToken: try fields.address("payment_token"),
            wallet: try fields.address("wallet"))
    }

    /// `r` and `s` are integers on the wire (the reference's Python clients send ints).
    static func signature(_ fields: RequestFields) throws(APIError) -> DelegateSignature {
        let nonce: UInt32 = try fields.integer("nonce")
        let expiry: UInt32 = try fields.integer("expiry")
        let v: UInt64 = try fields.integer("v")
        let r = try fields.uint256("r"), s = try fields.uint256("s")
        let signature: Signature
        do {
            signature = try Signature(r: r.bigEndianBytes() ?? Data(), s: s.bigEndianBytes() ?? Data(), v: v)
        } catch {
            throw APIError.field("signature", "not a valid secp256k1 signature (\(error))")
        }
        return DelegateSignature(nonce: nonce, expiry: expiry, signature: signature)
    }
}

import BusContract
import EVM
import InfernetSDK
import Foundation
import InfernetCore

/// Why a delivery receipt could not be recorded.
public enum PaymentRecordError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidTransactionHash(String)
    /// Not mined yet (or unknown to the RPC): send the receipt again later.
    case notMined(String)
    case chainUnavailable(String)
    case ledger(String)

    public var description: String {
        switch self {
        case .invalidTransactionHash(let text): "transactionHash '\(text)' is not a 32-byte 0x hex hash"
        case .notMined(let hash): "transaction \(hash) has no receipt yet (pending or unknown); send the receipt again later"
        case .chainUnavailable(let reason): "cannot read the delivery's receipt: \(reason)"
        case .ledger(let reason): "cannot write the payments ledger: \(reason)"
        }
    }
}

extension PaymentRecordError: BusFailureConvertible {
    /// Categories the chain worker's receipt outbox can act on: a bad receipt is `rejected`
    /// (sending it again cannot help), the rest `unavailable` (try again later).
    public var busFailure: BusFailure {
        switch self {
        case .invalidTransactionHash: BusFailure(.rejected, description)
        case .notMined, .chainUnavailable, .ledger: BusFailure(.unavailable, description)
        }
    }
}

/// Turns a mined delivery into ledger rows: the Wallet `Transfer` logs paying the node's Wallet.
public struct DeliveryRecorder: Sendable {
    public let chain: any PaymentChain
    public let ledger: PaymentLedger
    /// The node's Wallet; nil when `payment_address` is not configured (nothing can be earned).
    public let nodeWallet: Address?

    public init(chain: any PaymentChain, ledger: PaymentLedger, nodeWallet: Address?) {
        self.chain = chain
        self.ledger = ledger
        self.nodeWallet = nodeWallet
    }

    /// Records what the delivery paid; returns how many new ledger rows it made.
    public func record(_ receipt: DeliveryReceipt) async throws(PaymentRecordError) -> Int {
        guard let hash = try? Hex.decode(receipt.transactionHash, count: 32) else {
            throw .invalidTransactionHash(receipt.transactionHash)
        }
        guard let nodeWallet else { return 0 }
        let mined: MinedTransaction?
        do { mined = try await chain.minedTransaction(hash) } catch { throw .chainUnavailable("\(error)") }
        guard let mined else { throw .notMined(receipt.transactionHash) }
        guard mined.succeeded else { return 0 }
        var earnings: [Earning] = []
        for (log, earning) in Self.transfers(in: mined, receipt: receipt, to: nodeWallet) {
            // The consumer's callback runs inside the delivery transaction and could emit a
            // look-alike Transfer event; only logs from factory-made Wallets are payments.
            let genuine: Bool
            do { genuine = try await chain.isValidWallet(log.address) } catch { throw .chainUnavailable("\(error)") }
            if genuine { earnings.append(earning) }
        }
        do { return try await ledger.record(earnings) } catch { throw .ledger("\(error)") }
    }

    /// The Wallet `Transfer(spender, token, to, amount)` logs whose `to` is `nodeWallet`.
    static func transfers(in mined: MinedTransaction, receipt: DeliveryReceipt, to nodeWallet: Address) -> [(ReceiptLog, Earning)] {
        let event = InfernetABI.Wallet.transfer
        return mined.logs.compactMap { log in
            guard log.topics.first == event.topic, let values = try? event.decodeLog(topics: log.topics, data: log.data),
                  values.count == 4, let token = try? values[1].addressValue(), let to = try? values[2].addressValue(),
                  let amount = try? values[3].uintValue(), to == nodeWallet
            else { return nil }
            return (log, Earning(transactionHash: receipt.transactionHash.lowercased(), logIndex: log.logIndex,
                                 subscriptionID: receipt.subscriptionID, interval: receipt.interval, token: token.hex,
                                 containers: receipt.containers.joined(separator: ","), amount: String(amount),
                                 payer: log.address.hex, blockNumber: mined.blockNumber))
        }
    }
}

import EVM
import Foundation
@testable import PaymentWorker

/// An in-memory `PaymentChain`: wallets, balances and allowances set by the test.
final class FakePaymentChain: PaymentChain, @unchecked Sendable {
    private let lock = NSLock()
    private var validWallets: Set<Address> = []
    private var balances: [Pair: BigUInt] = [:]
    private var allowances: [Triple: BigUInt] = [:]
    private var transactions: [Data: MinedTransaction] = [:]
    private var unsupported: Set<Pair> = []
    /// When set, every read fails with it.
    var failure: (any Error)?
    private(set) var validityQueries = 0

    private struct Pair: Hashable { var holder, token: Address }
    private struct Triple: Hashable { var wallet, spender, token: Address }

    func addWallet(_ wallet: Address) { lock.withLock { _ = validWallets.insert(wallet) } }
    func setBalance(_ holder: Address, token: Address, _ amount: BigUInt) {
        lock.withLock { balances[Pair(holder: holder, token: token)] = amount }
    }
    func setAllowance(wallet: Address, spender: Address, token: Address, _ amount: BigUInt) {
        lock.withLock { allowances[Triple(wallet: wallet, spender: spender, token: token)] = amount }
    }
    func setTransaction(_ hash: Data, _ mined: MinedTransaction) { lock.withLock { transactions[hash] = mined } }
    /// Verifiers support every token unless told otherwise.
    func setUnsupported(verifier: Address, token: Address) { lock.withLock { _ = unsupported.insert(Pair(holder: verifier, token: token)) } }

    private func fail() throws { if let failure = lock.withLock({ self.failure }) { throw failure } }

    func isValidWallet(_ wallet: Address) async throws -> Bool {
        try fail()
        return lock.withLock {
            validityQueries += 1
            return validWallets.contains(wallet)
        }
    }

    func balance(of holder: Address, token: Address) async throws -> BigUInt {
        try fail()
        return lock.withLock { balances[Pair(holder: holder, token: token)] ?? 0 }
    }

    func allowance(wallet: Address, spender: Address, token: Address) async throws -> BigUInt {
        try fail()
        return lock.withLock { allowances[Triple(wallet: wallet, spender: spender, token: token)] ?? 0 }
    }

    func minedTransaction(_ hash: Data) async throws -> MinedTransaction? {
        try fail()
        return lock.withLock { transactions[hash] }
    }

    func isSupportedToken(verifier: Address, token: Address) async throws -> Bool {
        try fail()
        return lock.withLock { !unsupported.contains(Pair(holder: verifier, token: token)) }
    }
}

struct FakeRPCFailure: Error, CustomStringConvertible {
    var description: String { "connection refused" }
}

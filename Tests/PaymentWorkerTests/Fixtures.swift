import BusContract
import EVM
import InfernetSDK
import BigInt
import Foundation
import InfernetCore
@testable import PaymentWorker

/// Addresses used across the unit tests.
enum Fixture {
    static let owner = address(0xA1)
    static let consumerWallet = address(0xC1)
    static let nodeWallet = address(0xD1)
    static let token = address(0x70)
    static let otherToken = address(0x71)
    static let verifier = address(0xE1)

    static func address(_ byte: UInt8) -> Address {
        Address(Data(repeating: byte, count: 20)) ?? .zero
    }

    static func container(_ id: String, accepts payments: [Address: BigUInt] = [:], allowed: [Address] = []) -> ContainerConfig {
        var container = ContainerConfig(id: id)
        container.acceptedPayments = payments
        container.allowedAddresses = allowed
        return container
    }

    /// A check request for `containers` whose containerId matches them.
    static func request(containers: [String] = ["a"], amount: BigUInt = 0, token: Address = token,
                        owner: Address = owner, wallet: Address = consumerWallet, verifier: Address = .zero,
                        id: UInt32 = 7) -> PaymentCheckRequest {
        PaymentCheckRequest(subscriptionID: id, subscription: Subscription(
            owner: owner, activeAt: 0, period: 0, frequency: 1, redundancy: 1, containerID: ContainerSet.hash(containers),
            lazy: false, verifier: verifier, paymentAmount: amount, paymentToken: token, wallet: wallet),
            containers: containers)
    }
}

func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("payment-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

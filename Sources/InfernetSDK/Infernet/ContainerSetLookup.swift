import EVM
import Foundation
import InfernetCore

/// Recognises a subscription's `containerId` (a hash of a comma-joined container chain) among
/// the chains this node can run: every ordered chain of distinct served ids, 1 to
/// `maxChainLength` long. n ids give n + n(n-1) + … entries (10 ids, length 3: 820).
public struct ContainerSetLookup: Sendable {
    private let chains: [Data: [String]]

    public init(containerIDs: [String], maxChainLength: Int) {
        var ids: [String] = []
        for id in containerIDs where !ids.contains(id) { ids.append(id) }
        var chains: [Data: [String]] = [:]
        var frontier: [[String]] = [[]]
        for _ in 0..<max(0, min(maxChainLength, ids.count)) {
            var next: [[String]] = []
            for prefix in frontier {
                for id in ids where !prefix.contains(id) {
                    let chain = prefix + [id]
                    chains[ContainerSet.hash(chain)] = chain
                    next.append(chain)
                }
            }
            frontier = next
        }
        self.chains = chains
    }

    /// The container chain whose hash is `containerHash`, if this node serves it.
    public func chain(for containerHash: Data) -> [String]? { chains[containerHash] }

    public func serves(_ containerHash: Data) -> Bool { chains[containerHash] != nil }

    public var count: Int { chains.count }
}

extension ContainerSetLookup {
    /// The chains a node config serves: its container ids, up to `node.max_chain_length` long.
    public init(config: NodeConfig) {
        self.init(containerIDs: config.containers.map(\.id), maxChainLength: config.node.maxChainLength)
    }
}

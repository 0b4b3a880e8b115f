import EVM
import Foundation
import InfernetCore
import Logging

/// Starts the subscription sync for a node config (when `chain.enabled`): opens
/// `<data_dir>/chain.sqlite`, resolves the Coordinator and Reader from the Registry (retrying
/// until the RPC answers), then syncs every `snapshot_sync.sync_period` until cancelled.
public enum ChainSyncLoop {
    public static func run(config: NodeConfig, logger: Logger) async {
        guard config.chain.enabled else {
            logger.info("chain disabled (chain.enabled is false): no subscription sync")
            return
        }
        let store: ChainStore
        let registry: Address
        do {
            store = try ChainStore(path: ChainStore.path(dataDirectory: config.node.dataDirectory))
            registry = try Address(hex: config.chain.registryAddress, checksum: false)
        } catch {
            logger.error("subscription sync cannot start", metadata: ["error": "\(error)"])
            return
        }
        let rpc = JSONRPCClient(urls: [config.chain.rpcURL] + config.chain.extraRPCURLs)
        let settings = SyncSettings(chain: config.chain)
        var source: ChainSubscriptionSource?
        while source == nil, !Task.isCancelled {
            do {
                source = try await ChainSubscriptionSource.resolve(rpc: rpc, registry: registry)
            } catch {
                logger.warning("cannot read the registry; retrying", metadata: ["registry": "\(registry)", "error": "\(error)"])
                try? await Task.sleep(for: .seconds(5))
            }
        }
        guard let source else { return }
        logger.info("subscription sync started", metadata: [
            "coordinator": "\(source.addresses.coordinator)", "reader": "\(source.addresses.reader)",
            "trail_head_blocks": "\(settings.trailHeadBlocks)", "batch_size": "\(settings.batchSize)",
        ])
        await SubscriptionSync(source: source, store: store, settings: settings, logger: logger).run()
    }
}

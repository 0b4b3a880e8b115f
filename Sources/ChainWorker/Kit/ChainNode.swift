import BusContract
import EVM
import InfernetSDK
import Foundation
import InfernetBus
import InfernetCore
import Logging
import ServiceLifecycle

/// Everything the chain worker runs once `chain.enabled`: the subscription sync and, with a
/// private key, the delivery scheduler and the transaction manager. Components appear once the
/// Registry has been read (retried until the RPC answers); bus requests before that get a clear
/// "not ready" error. A Service in the chain worker's group: graceful shutdown cancels it.
public actor ChainNode: Service {
    public let config: NodeConfig
    private let logger: Logger
    private let services: any ComputeService & PaymentService
    public private(set) var store: ChainStore?
    public private(set) var transactions: TransactionManager?
    public private(set) var delegated: DelegatedDeliveries<ContinuousClock>?
    /// The node's EOA, known from the config before anything is read from the chain.
    public nonisolated let address: Address?

    public init(config: NodeConfig, services: any ComputeService & PaymentService, logger: Logger) {
        self.config = config
        self.services = services
        self.logger = logger
        address = config.chain.enabled ? config.chain.wallet.privateKey?.address : nil
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown { await self.syncAndDeliver() }
        // Nothing (more) to run, e.g. the chain is disabled: stay until the worker stops, since
        // a service that returns would stop the whole group (the bus worker still answers).
        try? await gracefulShutdown()
    }

    /// Syncs and delivers until cancelled; returns at once when the chain is disabled.
    func syncAndDeliver() async {
        guard config.chain.enabled else {
            logger.info("chain disabled (chain.enabled is false): no subscription sync, no deliveries")
            return
        }
        let rpc = JSONRPCClient(endpoints: config.chain.rpcURLs)
        guard let (store, addresses) = await open(rpc: rpc) else { return }
        self.store = store
        let lookup = ContainerSetLookup(config: config)
        let sync = SubscriptionSync(source: ChainSubscriptionSource(rpc: rpc, addresses: addresses), store: store,
                                    settings: SyncSettings(chain: config.chain), lookup: lookup, logger: logger)
        guard let scheduler = makeScheduler(rpc: rpc, addresses: addresses, store: store, lookup: lookup) else {
            await sync.run()
            return
        }
        await withDiscardingTaskGroup { group in
            group.addTask { await sync.run(changed: { scheduler.wake() }) }
            group.addTask { await scheduler.run() }
        }
    }

    private func open(rpc: JSONRPCClient) async -> (ChainStore, RegistryContract.Addresses)? {
        let store: ChainStore
        // Required and parsed at config load when the chain is enabled.
        guard let registry = config.chain.registryAddress else {
            logger.error("the chain worker cannot start: chain.registry_address is not set")
            return nil
        }
        do {
            store = try ChainStore(path: ChainStore.path(dataDirectory: config.node.dataDirectory))
        } catch {
            logger.error("the chain worker cannot start", metadata: ["error": "\(error)"])
            return nil
        }
        while !Task.isCancelled {
            do {
                let addresses = try await RegistryContract(address: registry, caller: rpc).addresses()
                logger.info("registry read", metadata: [
                    "coordinator": "\(addresses.coordinator)", "reader": "\(addresses.reader)", "inbox": "\(addresses.inbox)",
                ])
                return (store, addresses)
            } catch {
                logger.warning("cannot read the registry; retrying", metadata: ["registry": "\(registry)", "error": "\(error)"])
                try? await Task.sleep(for: .seconds(2))
            }
        }
        return nil
    }

    private func makeScheduler(rpc: JSONRPCClient, addresses: RegistryContract.Addresses, store: ChainStore,
                               lookup: ContainerSetLookup) -> DeliveryScheduler<ContinuousClock>? {
        guard let key = config.chain.wallet.privateKey?.privateKey else {
            logger.warning("no usable chain.wallet.private_key: subscriptions are synced but not delivered")
            return nil
        }
        let chain: ChainContext
        do {
            chain = try ChainContext(rpc: rpc, addresses: addresses, node: key.address, config: config, lookup: lookup)
        } catch {
            logger.error("deliveries disabled", metadata: ["error": "\(error)"])
            return nil
        }
        let options = config.node
        let transactions = TransactionManager(
            key: key, chain: rpc, store: store,
            settings: TransactionSettings(fees: FeePolicy(ceilingGwei: options.maxFeePerGasGwei),
                                          bumpAfterBlocks: UInt64(options.feeBumpBlocks),
                                          confirmations: UInt64(options.confirmations)),
            logger: logger)
        self.transactions = transactions
        let pipeline = DeliveryPipeline(chain: chain, compute: services, payments: services, transactions: transactions,
                                        logger: logger)
        let rule = DeliveryRule(retryDelay: options.deliveryRetryDelay)
        let delegated = DelegatedDeliveries(pipeline: pipeline, store: store, rule: rule, clock: ContinuousClock(), logger: logger)
        self.delegated = delegated
        let scheduler = DeliveryScheduler(pipeline: pipeline, store: store, concurrency: options.deliveryConcurrency,
                                          rule: rule, clock: ContinuousClock(), extensions: [delegated], logger: logger)
        logger.info("deliveries enabled", metadata: ["node": "\(key.address)", "node_wallet": "\(chain.nodeWallet)"])
        return scheduler
    }

    /// The latest head the sync saw (0 before the first sync).
    public var lastHead: UInt64 {
        get async { ((try? await store?.progress()) ?? nil)?.headBlock ?? 0 }
    }

    /// `chain.status`.
    public func status() async -> ChainStatus {
        guard let store else { return ChainStatus(address: address, headBlock: 0, subscriptions: 0, pendingDeliveries: 0) }
        let progress = (try? await store.progress()) ?? nil
        let counts = (try? await store.deliveryCounts()) ?? [:]
        return ChainStatus(
            address: address, headBlock: progress?.headBlock ?? 0,
            subscriptions: (try? await store.subscriptionCount()) ?? 0, syncNextID: progress?.nextID ?? 0,
            pendingDeliveries: (try? await store.pendingDeliveryCount()) ?? 0,
            deliveries: Dictionary(uniqueKeysWithValues: counts.map { ($0.key.rawValue, $0.value) }))
    }
}

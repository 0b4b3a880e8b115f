// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "infernet-node-swift",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "infernet-node", targets: ["infernet-node"]),
        .executable(name: "infernet-gateway", targets: ["infernet-gateway"]),
        .executable(name: "infernet-compute", targets: ["infernet-compute"]),
        .executable(name: "infernet-chain", targets: ["infernet-chain"]),
        .executable(name: "infernet-payment", targets: ["infernet-payment"]),
        .executable(name: "infernet-hello-world", targets: ["infernet-hello-world"]),
        .executable(name: "infernet-bench", targets: ["infernet-bench"]),
        .executable(name: "infernet-css", targets: ["infernet-css"]),
        .executable(name: "infernet-tgi", targets: ["infernet-tgi"]),
        .executable(name: "infernet-hf", targets: ["infernet-hf"]),
        .library(name: "EVM", targets: ["EVM"]),
        .library(name: "InfernetSDK", targets: ["InfernetSDK"]),
        .library(name: "ServiceKit", targets: ["ServiceKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/attaswift/BigInt.git", from: "6.0.1"),
    ],
    targets: [
        // System libraries from Debian (libzmq3-dev, libsecp256k1-dev), found through pkg-config.
        .systemLibrary(name: "CZeroMQ", path: "Sources/System/CZeroMQ", pkgConfig: "libzmq",
                       providers: [.apt(["libzmq3-dev"])]),
        .systemLibrary(name: "CSecp256k1", path: "Sources/System/CSecp256k1", pkgConfig: "libsecp256k1",
                       providers: [.apt(["libsecp256k1-dev"])]),
        // prctl(2) wrappers (parent-death signal), in a header only.
        .systemLibrary(name: "CProcessControl", path: "Sources/System/CProcessControl"),

        // Shared libraries.
        // InfernetCore builds on EVM: the config is validated into EVM types (addresses, keys).
        .target(name: "InfernetCore", dependencies: [
            "CProcessControl", "EVM",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Metrics", package: "swift-metrics"),
        ]),
        .target(name: "InfernetBus", dependencies: [
            "CZeroMQ", "InfernetCore",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        // Every bus method and its message types, defined once (issue 13).
        .target(name: "BusContract", dependencies: [
            "InfernetBus", "InfernetCore", "EVM", "InfernetSDK",
            .product(name: "BigInt", package: "BigInt"),
        ]),
        // EVM depends on nothing of ours: Ethereum primitives, ABI, RLP, signing, JSON-RPC.
        .target(name: "EVM", dependencies: [
            "CSecp256k1",
            .product(name: "BigInt", package: "BigInt"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),
        // The Infernet SDK contracts' bindings and the container-output rules, above EVM.
        .target(name: "InfernetSDK", dependencies: [
            "EVM", "InfernetCore",
            .product(name: "BigInt", package: "BigInt"),
        ]),
        .target(name: "ServiceKit", dependencies: [
            "InfernetCore", "EVM",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "WorkerKit", dependencies: [
            "InfernetCore", "InfernetBus", .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),

        // One folder per process: a library holding the logic (Kit) and a thin executable (Main).
        .target(name: "Supervisor", dependencies: [
            "InfernetCore", "InfernetBus", "BusContract", "WorkerKit", "ComputeWorker",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
        ], path: "Sources/Supervisor/Kit"),
        // Also every worker's code: the supervisor starts its workers from its own executable
        // (`infernet-node worker infernet-gateway ...`: separate processes sharing its code pages).
        .executableTarget(name: "infernet-node", dependencies: [
            "Supervisor", "PaymentWorker", "EVM", "WorkerKit", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            "Gateway", "ComputeWorker", "ChainWorker",
        ], path: "Sources/Supervisor/Main"),

        .target(name: "Gateway", dependencies: [
            "InfernetCore", "InfernetBus", "WorkerKit", "EVM", "InfernetSDK", "ServiceKit", "BusContract",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Logging", package: "swift-log"),
        ], path: "Sources/Gateway/Kit", resources: [.copy("openapi.yaml")]),
        .executableTarget(name: "infernet-gateway", dependencies: ["Gateway"], path: "Sources/Gateway/Main"),

        .target(name: "ComputeWorker", dependencies: [
            "InfernetCore", "InfernetBus", "BusContract", "WorkerKit",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
        ], path: "Sources/ComputeWorker/Kit"),
        .executableTarget(name: "infernet-compute", dependencies: ["ComputeWorker"], path: "Sources/ComputeWorker/Main"),

        .target(name: "ChainWorker", dependencies: [
            "InfernetCore", "InfernetBus", "WorkerKit", "EVM", "InfernetSDK", "BusContract",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], path: "Sources/ChainWorker/Kit"),
        .executableTarget(name: "infernet-chain", dependencies: ["ChainWorker"], path: "Sources/ChainWorker/Main"),

        .target(name: "PaymentWorker", dependencies: [
            "InfernetCore", "InfernetBus", "WorkerKit", "EVM", "InfernetSDK", "BusContract",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Logging", package: "swift-log"),
        ], path: "Sources/PaymentWorker/Kit"),
        .executableTarget(name: "infernet-payment", dependencies: ["PaymentWorker"], path: "Sources/PaymentWorker/Main"),

        // Services written in Swift.
        .executableTarget(name: "infernet-hello-world", dependencies: [
            "ServiceKit", "InfernetCore", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], path: "Sources/Services/HelloWorld"),

        // HTTP-relay services (issue 6): a library with the logic (Kit) and a thin executable (Main).
        .target(name: "ServiceClients", dependencies: [
            "ServiceKit", "InfernetCore", "EVM",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ], path: "Sources/Services/Clients"),
        .target(name: "CSSService", dependencies: ["ServiceClients", "ServiceKit", "InfernetCore", "EVM"],
                path: "Sources/Services/CSS/Kit"),
        .executableTarget(name: "infernet-css", dependencies: [
            "CSSService", "ServiceKit", "InfernetCore", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], path: "Sources/Services/CSS/Main"),
        .target(name: "TGIService", dependencies: ["ServiceClients", "ServiceKit", "InfernetCore", "EVM"],
                path: "Sources/Services/TGI/Kit"),
        .executableTarget(name: "infernet-tgi", dependencies: [
            "TGIService", "ServiceKit", "InfernetCore", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], path: "Sources/Services/TGI/Main"),
        .target(name: "HFService", dependencies: ["ServiceClients", "ServiceKit", "InfernetCore", "EVM",
                                                  .product(name: "BigInt", package: "BigInt")],
                path: "Sources/Services/HuggingFace/Kit"),
        .executableTarget(name: "infernet-hf", dependencies: [
            "HFService", "ServiceKit", "InfernetCore", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], path: "Sources/Services/HuggingFace/Main"),

        // Benchmarks (commands, not tests).
        .executableTarget(name: "infernet-bench", dependencies: [
            "InfernetCore",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], path: "Sources/Bench"),

        .executableTarget(name: "infernet-evm-bench", dependencies: [
            "EVM", "InfernetSDK", "CSecp256k1", "InfernetCore",
            .product(name: "BigInt", package: "BigInt"),
        ], path: "Sources/EVMBench"),

        .testTarget(name: "InfernetCoreTests", dependencies: ["InfernetCore", "EVM", "TestSupport", .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "InfernetBusTests", dependencies: [
            "InfernetBus", "BusContract", "EVM", "InfernetSDK", .product(name: "Logging", package: "swift-log"),
        ]),
        // Fixtures shared by test targets (the project's Python, the devnet process, a node's HTTP side).
        .target(name: "TestSupport", dependencies: [
            "EVM", "InfernetSDK", "InfernetCore",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ], path: "Tests/Support"),
        .testTarget(name: "EVMTests", dependencies: ["EVM", "InfernetSDK", "InfernetCore", "TestSupport"]),
        .testTarget(name: "GatewayTests", dependencies: [
            "Gateway", "InfernetCore", "InfernetBus", "EVM", "InfernetSDK", "TestSupport", "BusContract",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "ChainWorkerTests", dependencies: [
            "ChainWorker", "EVM", "InfernetSDK", "InfernetCore", "TestSupport", "BusContract",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        .testTarget(name: "ServiceKitTests", dependencies: [
            "ServiceKit", "InfernetCore", "EVM",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ]),
        .testTarget(name: "APIServicesTests", dependencies: [
            "CSSService", "TGIService", "HFService", "ServiceClients", "ServiceKit", "InfernetCore", "EVM",
            .product(name: "BigInt", package: "BigInt"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "PaymentWorkerTests", dependencies: [
            "PaymentWorker", "EVM", "InfernetSDK", "InfernetCore", "InfernetBus", "TestSupport", "BusContract",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The supervisor's rules, without starting processes.
        .testTarget(name: "SupervisorTests", dependencies: ["Supervisor"]),
        .testTarget(name: "NodeTests", dependencies: [
            "InfernetCore", "InfernetBus", "Gateway", "ComputeWorker", "Supervisor", "ServiceKit", "ChainWorker", "EVM", "BusContract",
            "InfernetSDK", "PaymentWorker", "TestSupport",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
    ]
)

import EVM

/// One entry of `containers[]` in config.json (infernet-node 1.4 keys plus this node's own).
public struct ContainerConfig: Sendable, Equatable {
    public var id: String
    public var image: String
    public var url: String
    public var bearer: Secret
    public var port: Int
    public var external: Bool
    public var gpu: Bool
    /// Token -> minimum amount in wei (`accepted_payments`, parsed at load).
    public var acceptedPayments: [Address: BigUInt]
    public var allowedIPs: [String]
    /// Subscription owners this container serves (`allowed_addresses`; empty: anyone).
    public var allowedAddresses: [Address]
    /// Delegated-subscription owners this container serves (`allowed_delegate_addresses`; empty: anyone).
    public var allowedDelegateAddresses: [Address]
    public var description: String
    public var command: String
    public var env: [String: String]
    public var generatesProofs: Bool
    public var volumes: [String]
    /// How long one call to `/service_output` may take (this node's key `timeout`, in seconds).
    public var timeout: Duration

    /// How the node runs this container.
    public enum Runtime: Sendable, Equatable {
        /// A service already running at `url`.
        case remote(url: String)
        /// A local process started from `command`, listening on `port`.
        case process(command: String)
        /// A Docker image run through the Docker Engine API.
        case docker(image: String)
    }

    public var runtime: Runtime {
        if !url.isEmpty { return .remote(url: url) }
        if !image.isEmpty { return .docker(image: image) }
        if !command.isEmpty { return .process(command: command) }
        return .remote(url: baseURL)
    }

    /// The base URL the node calls: `url` when given, else `http://localhost:{port}`.
    public var baseURL: String {
        if !url.isEmpty { return url.hasSuffix("/") ? String(url.dropLast()) : url }
        return "http://127.0.0.1:\(port)"
    }

    public init(id: String, url: String = "", command: String = "", image: String = "", port: Int = 3000) {
        self.id = id
        self.image = image
        self.url = url
        self.bearer = Secret("")
        self.port = port
        self.external = true
        self.gpu = false
        self.acceptedPayments = [:]
        self.allowedIPs = []
        self.allowedAddresses = []
        self.allowedDelegateAddresses = []
        self.description = ""
        self.command = command
        self.env = [:]
        self.generatesProofs = false
        self.volumes = []
        self.timeout = .seconds(180)
    }
}

extension ContainerConfig {
    init(reading section: inout ConfigSection) throws(ConfigError) {
        let id = try section.string("id", default: "")
        guard !id.isEmpty else { throw ConfigError(key: section.keyPath("id"), "is required and must be a non-empty string") }
        guard !id.contains(",") else { throw ConfigError(key: section.keyPath("id"), "must not contain ',' (it separates ids in a container set)") }
        self.init(id: id)
        image = try section.string("image", default: "")
        url = try section.string("url", default: "")
        bearer = Secret(try section.string("bearer", default: ""))
        port = try section.int("port", default: 3000, range: 1...65535)
        external = try section.bool("external", default: true)
        gpu = try section.bool("gpu", default: false)
        for (token, amount) in try section.stringMap("accepted_payments").sorted(by: { $0.key < $1.key }) {
            let key = section.keyPath("accepted_payments.\(token)")
            let address = try ConfigValidation.address(token, key: key)
            guard !amount.isEmpty, amount.unicodeScalars.allSatisfy({ ("0"..."9").contains($0) }),
                  let wei = BigUInt(amount, radix: 10)
            else { throw ConfigError(key: key, "expected an amount in wei (digits), got '\(amount)'") }
            acceptedPayments[address] = wei
        }
        allowedIPs = try section.strings("allowed_ips")
        for (index, cidr) in allowedIPs.enumerated() where IPRange(cidr) == nil {
            throw ConfigError(key: section.keyPath("allowed_ips[\(index)]"), "'\(cidr)' is not an IP address or CIDR range")
        }
        allowedAddresses = try section.strings("allowed_addresses").enumerated().map { (index, text) throws(ConfigError) in
            try ConfigValidation.address(text, key: section.keyPath("allowed_addresses[\(index)]"))
        }
        allowedDelegateAddresses = try section.strings("allowed_delegate_addresses").enumerated().map { (index, text) throws(ConfigError) in
            try ConfigValidation.address(text, key: section.keyPath("allowed_delegate_addresses[\(index)]"))
        }
        description = try section.string("description", default: "")
        command = try section.string("command", default: "")
        env = try section.stringMap("env")
        generatesProofs = try section.bool("generates_proofs", default: false)
        volumes = try section.strings("volumes")
        timeout = try section.duration("timeout", default: .seconds(180), minimum: .milliseconds(1))
    }
}

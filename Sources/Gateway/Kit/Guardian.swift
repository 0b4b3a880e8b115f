import EVM
import InfernetSDK
import InfernetCore

/// The checks a job must pass before it is accepted, with the reference node's messages but
/// meaningful status codes (400 bad request, 403 forbidden, 404 unknown container).
public struct Guardian: Sendable {
    struct Rules: Sendable {
        let external: Bool
        let generatesProofs: Bool
        let allowedIPs: [IPRange]
    }

    let rules: [String: Rules]
    let chainEnabled: Bool
    /// The container chains a delegated subscription's hash may stand for.
    let containerSets: ContainerSetLookup
    /// Lower-case 0x addresses per container; a container with none allows every owner.
    let delegateAddresses: [String: Set<Address>]
    /// `node.max_containers_per_job`.
    let maxContainers: Int

    public init(config: NodeConfig) {
        self.maxContainers = config.node.limits.maxContainers
        var rules: [String: Rules] = [:]
        for container in config.containers {
            rules[container.id] = Rules(
                external: container.external, generatesProofs: container.generatesProofs,
                allowedIPs: container.allowedIPs.compactMap(IPRange.init))
        }
        self.rules = rules
        self.chainEnabled = config.chain.enabled
        self.containerSets = ContainerSetLookup(config: config)
        var delegateAddresses: [String: Set<Address>] = [:]
        for container in config.containers where !container.allowedDelegateAddresses.isEmpty {
            delegateAddresses[container.id] = Set(container.allowedDelegateAddresses)
        }
        self.delegateAddresses = delegateAddresses
    }

    /// Checks an off-chain job from `client` (an IP address).
    public func check(_ job: JobRequest, client: String) throws(APIError) {
        guard let first = job.containers.first else {
            throw APIError(.badRequest, "No containers specified")
        }
        guard job.containers.count <= maxContainers else {
            throw APIError(.badRequest, "containers: \(job.containers.count) containers, over \(JobLimits.key("max_containers_per_job"))=\(maxContainers)",
                           params: JSONObject([(key: "field", value: .string("containers")),
                                               (key: "limit", value: .number(JSONNumber(maxContainers))),
                                               (key: "count", value: .number(JSONNumber(job.containers.count)))]))
        }
        var allRules: [Rules] = []
        allRules.reserveCapacity(job.containers.count)
        for id in job.containers {
            guard let rule = rules[id] else {
                throw APIError(.notFound, "Container not supported", params: Self.params(container: id))
            }
            allRules.append(rule)
        }
        guard allRules[0].external else {
            throw APIError(.forbidden, "First container must be external", params: Self.params(container: first))
        }
        if job.requiresProof, let last = allRules.last, !last.generatesProofs {
            throw APIError(.badRequest, "Container does not generate proof",
                           params: Self.params(container: job.containers[job.containers.count - 1]))
        }
        for (index, rule) in allRules.enumerated() where !rule.allowedIPs.isEmpty {
            if !rule.allowedIPs.contains(where: { $0.contains(client) }) {
                var params = Self.params(container: job.containers[index])
                params["address"] = .string(client)
                throw APIError(.forbidden, "Container not allowed for address", params: params)
            }
        }
    }

    /// Checks a delegated subscription, in the reference's order (chain, container set, owner);
    /// the signature is checked afterwards, on chain (`DelegatedSignatureVerifier`), because it
    /// costs RPC calls. Returns the container chain the subscription's hash stands for.
    public func check(_ request: DelegatedSubscriptionRequest) throws(APIError) -> [String] {
        guard chainEnabled else { throw APIError(.badRequest, "Chain not enabled") }
        let hash = request.subscription.containerID
        guard let chain = containerSets.chain(for: hash) else {
            throw APIError(.notFound, "Container-set not supported",
                           params: JSONObject([(key: "containers", value: .string(Hex.encode(hash)))]))
        }
        let owner = request.subscription.owner
        for id in chain {
            if let allowed = delegateAddresses[id], !allowed.contains(owner) {
                var params = Self.params(container: id)
                params["address"] = .string(owner.checksummed)
                throw APIError(.forbidden, "Container not allowed for address", params: params)
            }
        }
        return chain
    }

    static func params(container: String) -> JSONObject {
        JSONObject([(key: "container", value: .string(container))])
    }
}

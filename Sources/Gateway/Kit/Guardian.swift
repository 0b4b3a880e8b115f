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

    public init(config: NodeConfig) {
        var rules: [String: Rules] = [:]
        for container in config.containers {
            rules[container.id] = Rules(
                external: container.external, generatesProofs: container.generatesProofs,
                allowedIPs: container.allowedIPs.compactMap(IPRange.init))
        }
        self.rules = rules
        self.chainEnabled = config.chain.enabled
    }

    /// Checks an off-chain job from `client` (an IP address).
    public func check(_ job: JobRequest, client: String) throws(APIError) {
        guard let first = job.containers.first else {
            throw APIError(.badRequest, "No containers specified")
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
            throw APIError(.badRequest, "First container must be external", params: Self.params(container: first))
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

    /// Checks a delegated subscription (for now: only whether the chain is enabled).
    public func check(_ request: DelegatedSubscriptionRequest, client: String) throws(APIError) {
        guard chainEnabled else { throw APIError(.badRequest, "Chain not enabled") }
    }

    static func params(container: String) -> JSONObject {
        JSONObject([(key: "container", value: .string(container))])
    }
}

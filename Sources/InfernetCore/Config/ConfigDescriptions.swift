// How config values print ("\(config)", dump(), a service group's debug log): through the one
// redaction rule, so a future log line that prints a config cannot leak what it holds.

extension Secret: CustomReflectable {
    /// No children: `dump()` must not reach `value`.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}

extension SecretKey: CustomReflectable {
    /// No children: `dump()` must not reach the key's bytes.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}

extension ContainerConfig: CustomReflectable, CustomDebugStringConvertible {
    public var customMirror: Mirror {
        Mirror(self, children: [
            "id": id, "image": image, "url": Redaction.url(url), "bearer": bearer, "port": port,
            "external": external, "gpu": gpu, "acceptedPayments": acceptedPayments, "allowedIPs": allowedIPs,
            "allowedAddresses": allowedAddresses, "allowedDelegateAddresses": allowedDelegateAddresses,
            "description": description, "command": command,
            // Every env value may be an API key: only the names are shown.
            "env": env.keys.sorted().map { "\($0)=\(Redaction.mask)" },
            "generatesProofs": generatesProofs, "volumes": volumes, "timeout": timeout,
        ], displayStyle: .struct)
    }

    public var debugDescription: String {
        let env = env.keys.sorted().map { "\($0)=\(Redaction.mask)" }.joined(separator: ", ")
        return "ContainerConfig(id: \(id), runtime: \(runtimeSummary), port: \(port), env: [\(env)], bearer: \(bearer))"
    }

    private var runtimeSummary: String {
        switch runtime {
        case .remote(let url): "url \(Redaction.url(url))"
        case .process(let command): "command \(command)"
        case .docker(let image): "image \(image)"
        }
    }
}

extension ChainConfig: CustomReflectable {
    public var customMirror: Mirror {
        Mirror(self, children: [
            "enabled": enabled, "rpcURL": rpcURL.map { Redaction.url($0.absoluteString) } as Any,
            "extraRPCURLs": extraRPCURLs.map { Redaction.url($0.absoluteString) },
            "trailHeadBlocks": trailHeadBlocks, "registryAddress": registryAddress as Any, "wallet": wallet,
            "snapshotSync": snapshotSync,
        ], displayStyle: .struct)
    }
}

extension DockerCredentials: CustomStringConvertible {
    public var description: String { "DockerCredentials(username: \(username), password: \(password))" }
}

import InfernetCore

/// A request to run a chain of containers (bus method `compute.run`).
public struct ComputeRequest: Codable, Sendable, Equatable {
    public var jobID: String
    public var containers: [String]
    /// The first hop's `data`, as JSON text (key order preserved).
    public var data: String
    public var requiresProof: Bool
    public var source: Location
    public var destination: Location
    /// Relay the first container's output chunk by chunk (destination STREAM).
    public var stream: Bool

    public init(jobID: String, containers: [String], data: String, requiresProof: Bool = false,
                source: Location = .offchain, destination: Location = .offchain, stream: Bool = false) {
        self.jobID = jobID
        self.containers = containers
        self.data = data
        self.requiresProof = requiresProof
        self.source = source
        self.destination = destination
        self.stream = stream
    }
}

/// One container's output in a chain: its JSON output or the error that stopped the chain.
public struct ContainerOutcome: Codable, Sendable, Equatable {
    public var container: String
    /// The output as JSON text, when the container succeeded.
    public var output: String?
    public var error: String?

    public init(container: String, output: String? = nil, error: String? = nil) {
        self.container = container
        self.output = output
        self.error = error
    }

    public var succeeded: Bool { error == nil }
}

/// The outcome of a `compute.run`: every hop in order; the last one is the job's result.
public struct ComputeResult: Codable, Sendable, Equatable {
    public var jobID: String
    public var outcomes: [ContainerOutcome]

    public init(jobID: String, outcomes: [ContainerOutcome]) {
        self.jobID = jobID
        self.outcomes = outcomes
    }

    public var succeeded: Bool { outcomes.last?.succeeded ?? false }
}

/// `compute.resources`: ask every container for its `/service-resources`.
public struct ResourcesRequest: Codable, Sendable, Equatable {
    public var modelID: String?
    public init(modelID: String?) { self.modelID = modelID }
}

/// Container id -> the JSON text its `/service-resources` returned (failed ones left out).
public struct ResourcesResult: Codable, Sendable, Equatable {
    public var resources: [String: String]
    public init(resources: [String: String]) { self.resources = resources }
}

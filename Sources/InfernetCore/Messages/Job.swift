/// The state of an off-chain job as clients see it.
public enum JobStatus: String, Codable, Sendable, CaseIterable {
    case running
    case success
    case failed
}

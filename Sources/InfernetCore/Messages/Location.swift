/// Where a job's input comes from and where its output goes (container protocol codes).
public enum Location: Int, Codable, Sendable {
    case onchain = 0
    case offchain = 1
    case stream = 2
}

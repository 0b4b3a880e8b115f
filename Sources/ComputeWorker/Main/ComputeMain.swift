import ComputeWorker

/// The executable: the command lives in the ComputeWorker library, which `infernet-node worker` runs too.
@main
enum ComputeMain {
    static func main() async { await ComputeCommand.main() }
}

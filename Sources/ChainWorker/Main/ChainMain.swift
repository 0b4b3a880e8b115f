import ChainWorker

/// The executable: the command lives in the ChainWorker library, which `infernet-node worker` runs too.
@main
enum ChainMain {
    static func main() async { await ChainCommand.main() }
}

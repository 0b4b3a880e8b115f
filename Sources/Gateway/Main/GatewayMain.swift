import Gateway

/// The executable: the command lives in the Gateway library, which `infernet-node worker` runs too.
@main
enum GatewayMain {
    static func main() async { await GatewayCommand.main() }
}

import PaymentWorker

/// The executable: the command lives in the PaymentWorker library, which `infernet-node worker` runs too.
@main
enum PaymentMain {
    static func main() async { await PaymentCommand.main() }
}

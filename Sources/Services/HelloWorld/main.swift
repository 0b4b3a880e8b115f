import ArgumentParser
import InfernetCore
import ServiceKit

/// `infernet-hello-world`: the hello-world (default) or echo container service.
struct HelloWorldCommand: ParsableCommand {
    enum Mode: String, ExpressibleByArgument, CaseIterable {
        case hello, echo
    }

    static let configuration = CommandConfiguration(
        commandName: "infernet-hello-world",
        abstract: "Infernet hello-world / echo container service.",
        discussion: """
            hello: {"output": "hello, world!, your input was: <Python repr of the request>"}.
            echo: the five-key on-chain shape with the input as raw_input and raw_output.
            Destination STREAM (2): the text is streamed word by word.
            """
    )

    @OptionGroup var server: ServiceOptions

    @Option(help: "What to answer: \(Mode.allCases.map(\.rawValue).joined(separator: ", ")).")
    var mode: Mode = .hello

    @Option(name: .customLong("chunk-delay-ms"), help: "Milliseconds between streamed chunks.")
    var chunkDelayMs: Int = 10

    @Option(name: .customLong("delay-ms"), help: "Milliseconds to wait before answering (hello mode; for fault tests).")
    var delayMs: Int = 0

    @Flag(help: "Echo mode: accept requires_proof=true (the proof is a stand-in: the input bytes).")
    var proofs = false

    func validate() throws {
        guard delayMs >= 0 else { throw ValidationError("--delay-ms must not be negative") }
        guard chunkDelayMs >= 0 else { throw ValidationError("--chunk-delay-ms must not be negative") }
        if proofs && mode != .echo { throw ValidationError("--proofs applies to --mode echo only") }
    }

    func serve() async throws {
        let configuration = try server.configuration()
        let delay = Duration.milliseconds(chunkDelayMs)
        let service = switch mode {
        case .hello: HelloWorldService.application(configuration: configuration, chunkDelay: delay, responseDelay: .milliseconds(delayMs))
        case .echo: EchoService.application(configuration: configuration, canProve: proofs, chunkDelay: delay)
        }
        try await service.run()
    }
}

// This file is main.swift (top-level code), where `@main` is not allowed and an
// AsyncParsableCommand's synchronous `main()`/`run()` would be picked: parse, then serve.
do {
    let command = try HelloWorldCommand.parse()
    ProcessBootstrap.start(process: "infernet-hello-world", loops: .halfTheCores)
    try await command.serve()
} catch {
    HelloWorldCommand.exit(withError: error)
}

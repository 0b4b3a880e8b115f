import ArgumentParser
import Foundation
import InfernetCore
import ServiceKit
import TGIService

/// `infernet-tgi`: relays prompts to a text-generation-inference server.
struct TGICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infernet-tgi",
        abstract: "Infernet TGI client service (Hugging Face text-generation-inference).",
        discussion: """
            TGI_URL: the server; TGI_TIMEOUT (s, 180); TGI_PARAMS: JSON generation parameters
            ({"temperature":0.5,"max_new_tokens":100}); TGI_BEARER: optional bearer token. Retries on
            429/503/overloaded: TGI_RETRY_TRIES (3), TGI_RETRY_DELAY_MS (3000), TGI_RETRY_BACKOFF (2).
            """
    )

    @OptionGroup var server: ServiceOptions

    @Flag(name: .customLong("skip-check"), help: "Do not check the TGI server at start-up.")
    var skipCheck = false

    func serve() async throws {
        let service = TGIService(configuration: try .fromEnvironment())
        let application = service.application(configuration: try server.configuration())
        if !skipCheck {
            let model = try await service.checkServer()
            application.logger.info("TGI server at \(service.configuration.url) serves \(model)")
        }
        try await application.run()
    }
}

do {
    let command = try TGICommand.parse()
    ProcessBootstrap.start(process: "infernet-tgi", loops: .halfTheCores)
    try await command.serve()
} catch {
    TGICommand.exit(withError: error)
}

import ArgumentParser
import CSSService
import InfernetCore
import ServiceKit

/// `infernet-css`: completions and embeddings from OpenAI, Perplexity and GooseAI.
struct CSSCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infernet-css",
        abstract: "Infernet closed-source-model service (OpenAI, Perplexity, GooseAI).",
        discussion: """
            Keys: OPENAI_API_KEY, PERPLEXITYAI_API_KEY, GOOSEAI_API_KEY. Base URLs: OPENAI_BASE_URL,
            PERPLEXITYAI_BASE_URL, GOOSEAI_BASE_URL. Retries on 429/500: CSS_RETRY_TRIES (3),
            CSS_RETRY_DELAY_MS (3000), CSS_RETRY_BACKOFF (2), CSS_RETRY_JITTER_MS (1000).
            """
    )

    @OptionGroup var server: ServiceOptions

    func serve() async throws {
        let service = CSSService(configuration: .fromEnvironment())
        try await service.application(configuration: try server.configuration()).run()
    }
}

do {
    let command = try CSSCommand.parse()
    ProcessBootstrap.start(process: "infernet-css", loops: .halfTheCores)
    try await command.serve()
} catch {
    CSSCommand.exit(withError: error)
}

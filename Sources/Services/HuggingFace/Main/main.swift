import ArgumentParser
import HFService
import InfernetCore
import ServiceKit

/// `infernet-hf`: the Hugging Face inference client service.
struct HFCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infernet-hf",
        abstract: "Infernet Hugging Face inference client service.",
        discussion: """
            HF_INF_TOKEN: the API token; HF_INF_BASE_URL (https://api-inference.huggingface.co);
            HF_DEFAULT_MODEL_<TASK>: a task's default model. task_id: 1 text generation,
            2 text classification, 3 token classification, 4 summarization. Retries on
            429/500/503: HF_RETRY_TRIES (3), HF_RETRY_DELAY_MS (3000), HF_RETRY_BACKOFF (2).
            """
    )

    @OptionGroup var server: ServiceOptions

    func serve() async throws {
        let service = HFService(configuration: .fromEnvironment())
        try await service.application(configuration: try server.configuration()).run()
    }
}

do {
    let command = try HFCommand.parse()
    ProcessBootstrap.start(process: "infernet-hf", loops: .halfTheCores)
    try await command.serve()
} catch {
    HFCommand.exit(withError: error)
}

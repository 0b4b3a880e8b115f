import InfernetCore

/// An echo service for on-chain tests: answers the five-key shape with the input bytes as both
/// `raw_input` and `raw_output` (on-chain source: the bytes of the `data` hex; off-chain: the
/// UTF-8 of `data` as compact JSON). With `canProve`, `requires_proof=true` is accepted and
/// `proof` is a stand-in: the input bytes again. With destination STREAM, `data`'s JSON text is
/// streamed word by word.
public enum EchoService {
    public static func info(canProve: Bool = false) -> ServiceInfo {
        ServiceInfo(id: "echo", greeting: "Infernet echo service", canProve: canProve)
    }

    public static func output(for request: ServiceRequest) throws(ServiceError) -> OnchainServiceOutput {
        let input = try request.input(onchain: { $0 }, offchain: { Array($0.jsonText.utf8) })
        return OnchainServiceOutput(rawInput: input, rawOutput: input, proof: request.requiresProof ? input : [])
    }

    public static func handler(chunkDelay: Duration = .milliseconds(10)) -> ServiceHandler {
        { request in
            if request.isStreaming { return TextChunking.stream(words: request.data.jsonText, delay: chunkDelay) }
            return .onchain(try output(for: request))
        }
    }

    public static func application(configuration: ServiceConfiguration = ServiceConfiguration(), canProve: Bool = false,
                                   chunkDelay: Duration = .milliseconds(10)) -> ServiceApplication {
        ServiceApplication(info: info(canProve: canProve), configuration: configuration, handler: handler(chunkDelay: chunkDelay))
    }
}

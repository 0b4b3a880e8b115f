import InfernetCore

/// The hello-world service of the reference: `{"output": "hello, world!, your input was: <repr>"}`
/// where `<repr>` is Python's repr of the whole request JSON. With destination STREAM the same
/// text is streamed word by word, `chunkDelay` apart.
public enum HelloWorldService {
    public static let info = ServiceInfo(
        id: "hello-world",
        greeting: "hello, world! (Infernet hello-world service)",
        computeCapability: []
    )

    /// The output text for a request.
    public static func text(for request: ServiceRequest) -> String {
        "hello, world!, your input was: " + request.body.pythonRepr
    }

    public static func handler(chunkDelay: Duration = .milliseconds(10)) -> ServiceHandler {
        { request in
            let text = text(for: request)
            guard request.isStreaming else { return .output(.string(text)) }
            return TextChunking.stream(words: text, delay: chunkDelay)
        }
    }

    public static func application(configuration: ServiceConfiguration = ServiceConfiguration(),
                                   chunkDelay: Duration = .milliseconds(10)) -> ServiceApplication {
        ServiceApplication(info: info, configuration: configuration, handler: handler(chunkDelay: chunkDelay))
    }
}

/// Splitting text into chunks for streamed answers.
public enum TextChunking {
    /// `text` cut after each space: concatenating the pieces gives `text` back.
    public static func words(_ text: String) -> [String] {
        var pieces: [String] = []
        var current = ""
        for character in text {
            current.append(character)
            if character == " " {
                pieces.append(current)
                current = ""
            }
        }
        if !current.isEmpty { pieces.append(current) }
        return pieces
    }

    /// Streams `text` word by word, sleeping `delay` between chunks.
    public static func stream(words text: String, delay: Duration) -> ServiceOutput {
        let pieces = words(text)
        return .stream { continuation in
            for (index, piece) in pieces.enumerated() {
                if index > 0 && delay > .zero { try await Task.sleep(for: delay) }
                continuation.yield(piece)
            }
        }
    }
}

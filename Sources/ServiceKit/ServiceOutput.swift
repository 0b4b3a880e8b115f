import EVM
public import InfernetCore

/// Text chunks of a streamed answer (destination STREAM), relayed by the node as they arrive.
public typealias TextStream = AsyncThrowingStream<String, any Error>

/// What a `/service_output` handler answers.
public enum ServiceOutput: Sendable {
    /// A JSON body (the job's output).
    case json(JSONValue)
    /// A `text/plain` body written chunk by chunk. An error before the first chunk is answered as
    /// a JSON error; an error later aborts the response (the client sees a truncated body).
    case stream(TextStream)

    /// `{"output": value}`, the common shape of the reference services.
    public static func output(_ value: JSONValue) -> ServiceOutput { .json(.object(JSONObject([(key: "output", value: value)]))) }

    /// The five-key shape the node serialises for on-chain delivery.
    public static func onchain(_ output: OnchainServiceOutput) -> ServiceOutput { .json(output.json) }

    /// A stream fed by `produce`, which runs in its own task; cancelled if the client goes away.
    public static func stream(
        _ produce: @escaping @Sendable (TextStream.Continuation) async throws -> Void
    ) -> ServiceOutput {
        .stream(TextStream { continuation in
            let task = Task {
                do {
                    try await produce(continuation)
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        })
    }
}

/// What a service answers for on-chain delivery, in the container protocol's five-key shape
/// `{raw_input, processed_input, raw_output, processed_output, proof}`: hex strings without
/// `0x`, or null for empty. The node turns it into the `(input, output, proof)` bytes of
/// `deliverCompute` (EVM's `OnchainOutput`): `(raw_input, processed_input)` ABI-encoded as the
/// input, `(raw_output, processed_output)` as the output, `proof` as the proof.
public struct OnchainServiceOutput: Sendable, Equatable {
    public var rawInput: [UInt8]
    public var processedInput: [UInt8]
    public var rawOutput: [UInt8]
    public var processedOutput: [UInt8]
    public var proof: [UInt8]

    public init(rawInput: [UInt8] = [], processedInput: [UInt8] = [], rawOutput: [UInt8] = [],
                processedOutput: [UInt8] = [], proof: [UInt8] = []) {
        self.rawInput = rawInput
        self.processedInput = processedInput
        self.rawOutput = rawOutput
        self.processedOutput = processedOutput
        self.proof = proof
    }

    public var json: JSONValue {
        func hex(_ bytes: [UInt8]) -> JSONValue { bytes.isEmpty ? .null : .string(Hex.encode(bytes, prefix: false)) }
        return .object(JSONObject([
            (key: "raw_input", value: hex(rawInput)),
            (key: "processed_input", value: hex(processedInput)),
            (key: "raw_output", value: hex(rawOutput)),
            (key: "processed_output", value: hex(processedOutput)),
            (key: "proof", value: hex(proof)),
        ]))
    }
}

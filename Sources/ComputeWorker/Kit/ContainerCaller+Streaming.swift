import BusContract
import AsyncHTTPClient
import Foundation
import InfernetCore
import NIOCore

extension ContainerCaller {
    /// Streams the first container's output: each chunk goes to `onChunk` as it arrives; the
    /// result's output is `{"output": text}`, the concatenated text (container-protocol.md).
    public func stream(_ request: ComputeRequest, timeout: Duration, onChunk: @Sendable (String) -> Void) async -> ComputeResult {
        guard let id = request.containers.first, let container = containers[id] else {
            let id = request.containers.first ?? ""
            return ComputeResult(jobID: request.jobID, outcomes: [ContainerOutcome(container: id, error: "container '\(id)' is not configured on this compute worker")])
        }
        var http = HTTPClientRequest(url: container.baseURL + "/service_output")
        http.method = .POST
        http.headers = headers(for: container)
        http.body = .bytes(ByteBuffer(string: "{\"source\":1,\"destination\":2,\"data\":\(request.data)}"))
        do {
            let response = try await self.http.execute(http, timeout: TimeAmount(timeout))
            guard (200..<300).contains(response.status.code) else {
                let body = try await response.body.collect(upTo: 1 << 20)
                return failed(request, id, "container '\(id)' answered HTTP \(response.status.code): \(String(buffer: body).prefix(500))")
            }
            var decoder = UTF8ChunkDecoder()
            var text = ""
            for try await buffer in response.body {
                let piece = decoder.decode(Array(buffer.readableBytesView))
                guard !piece.isEmpty else { continue }
                text += piece
                if text.utf8.count > limits.maxOutputBytesPerHop {
                    return failed(request, id, "output of hop 1 (\(id)) is more than \(limits.maxOutputBytesPerHop) bytes, over \(JobLimits.key("max_output_bytes_per_hop"))=\(limits.maxOutputBytesPerHop)")
                }
                onChunk(piece)
            }
            let rest = decoder.finish()
            if !rest.isEmpty {
                text += rest
                onChunk(rest)
            }
            return ComputeResult(jobID: request.jobID, outcomes: [ContainerOutcome(container: id, output: "{\"output\":" + JSONValue.string(text).jsonText + "}")])
        } catch {
            return failed(request, id, Self.describe(error, container: container))
        }
    }

    private func failed(_ request: ComputeRequest, _ id: String, _ message: String) -> ComputeResult {
        ComputeResult(jobID: request.jobID, outcomes: [ContainerOutcome(container: id, error: message)])
    }
}

/// Turns a byte stream into text without splitting a multi-byte UTF-8 character across chunks.
struct UTF8ChunkDecoder {
    private var carry: [UInt8] = []

    mutating func decode(_ bytes: [UInt8]) -> String {
        var all = carry + bytes
        let complete = Self.completePrefixLength(all)
        carry = Array(all[complete...])
        all.removeSubrange(complete...)
        return String(decoding: all, as: UTF8.self)
    }

    mutating func finish() -> String {
        defer { carry = [] }
        return String(decoding: carry, as: UTF8.self)
    }

    /// Length of the prefix that ends on a character boundary (looks back at most 3 bytes).
    static func completePrefixLength(_ bytes: [UInt8]) -> Int {
        var index = bytes.count - 1
        var lookedAt = 0
        while index >= 0, lookedAt < 4 {
            let byte = bytes[index]
            if byte & 0xC0 != 0x80 {
                let needed = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC0 ? 2 : 1
                return bytes.count - index >= needed ? bytes.count : index
            }
            index -= 1
            lookedAt += 1
        }
        return bytes.count
    }
}

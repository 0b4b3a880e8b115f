import Foundation

/// Errors from the JSON-RPC client.
public enum RPCError: Error, Sendable, CustomStringConvertible {
    /// The node answered with a JSON-RPC error. `data` keeps the error's `data` member; for a
    /// reverted `eth_call`/`eth_estimateGas` it holds the revert data (see `revertData`).
    case server(code: Int, message: String, data: RPCValue?, url: String)
    /// Connection failure, timeout or non-2xx HTTP status, after all retries on all URLs.
    case transport(String, url: String)
    /// Rate limited (HTTP 429 or JSON-RPC -32005) on every attempt.
    case rateLimited(url: String)
    /// The response is not valid JSON-RPC or the result has an unexpected shape.
    case invalidResponse(String, method: String)
    /// No URLs were configured.
    case noEndpoints

    /// The revert data carried by a server error, if any (hex string in `data`, or `data.data`).
    public var revertData: Data? {
        guard case .server(_, _, let data, _) = self, let data else { return nil }
        if let hex = data.stringValue, let bytes = Data(hex: hex) { return bytes }
        if let hex = data["data"]?.stringValue, let bytes = Data(hex: hex) { return bytes }
        return nil
    }

    /// The decoded revert reason, when the error carries revert data (or an execution-reverted
    /// error without data).
    public var revertReason: RevertReason? {
        if let data = revertData { return RevertReason(data: data) }
        if case .server(_, let message, _, _) = self, message.lowercased().contains("revert") { return .empty }
        return nil
    }

    public var description: String {
        switch self {
        case .server(let code, let message, _, let url):
            if let reason = revertReason { "JSON-RPC error \(code) from \(url): \(message) (\(reason))" }
            else { "JSON-RPC error \(code) from \(url): \(message)" }
        case .transport(let reason, let url): "JSON-RPC transport failure at \(url): \(reason)"
        case .rateLimited(let url): "JSON-RPC endpoint \(url) keeps rate-limiting; slow down or add URLs"
        case .invalidResponse(let reason, let method): "invalid JSON-RPC response to \(method): \(reason)"
        case .noEndpoints: "no JSON-RPC URLs configured"
        }
    }
}

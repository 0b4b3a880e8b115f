/// Why a request failed, as it travels in `BusReply.error`: `{"code": "...", "message": "..."}`.
/// The code is a category the caller can switch on; the message is for people (logs, API
/// errors) and never carries secrets.
public struct BusFailure: Error, Codable, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Codable, Sendable, CaseIterable {
        /// The request body did not decode as the method's request type (the message names the field).
        case badRequest = "bad_request"
        /// The service has no such method.
        case unknownMethod = "unknown_method"
        /// The service cannot serve it now (chain disabled, not ready, no worker came): may work later.
        case unavailable
        /// The request was understood and refused (invalid content, a rule said no).
        case rejected
        /// The worker running it went away before answering (streams are not re-dispatched).
        case workerLost = "worker_lost"
        /// Anything else the handler threw.
        case `internal`

        /// An unknown code from a newer peer reads as `internal` rather than failing the reply.
        public init(from decoder: any Decoder) throws {
            let raw = try decoder.singleValueContainer().decode(String.self)
            self = Code(rawValue: raw) ?? .internal
        }
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}

/// An error a handler throws that knows its bus category; other errors become `internal`.
public protocol BusFailureConvertible: Error {
    var busFailure: BusFailure { get }
}

extension BusFailure {
    /// The failure a handler error maps to.
    public init(handlerError error: any Error) {
        switch error {
        case let failure as BusFailure: self = failure
        case let convertible as any BusFailureConvertible: self = convertible.busFailure
        default: self.init(.internal, "\(error)")
        }
    }
}

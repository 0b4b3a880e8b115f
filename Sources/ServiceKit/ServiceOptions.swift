public import ArgumentParser
import Foundation

/// Command-line options every Swift service shares (`@OptionGroup var server: ServiceOptions`).
///
/// Port: `--port`, else env `PORT` (the node sets it for `command` containers), else 3000.
/// Host: `--host`, else env `HOST`, else 127.0.0.1 (use 0.0.0.0 inside Docker).
/// Bearer: env `SERVICE_BEARER` (kept off the command line so it does not show in `ps`).
public struct ServiceOptions: ParsableArguments, Sendable {
    @Option(help: "Address to bind (env HOST; default 127.0.0.1, use 0.0.0.0 in Docker).")
    public var host: String?

    @Option(help: "Port to listen on (env PORT; default 3000).")
    public var port: Int?

    @Option(name: .customLong("max-body-bytes"), help: "Largest request body accepted.")
    public var maxBodyBytes: Int = 16 << 20

    public init() {}

    public func configuration(
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> ServiceConfiguration {
        let resolvedPort: Int
        if let port {
            resolvedPort = port
        } else if let text = environment["PORT"], !text.isEmpty {
            guard let value = Int(text) else { throw ValidationError("environment variable PORT is not a number: '\(text)'") }
            resolvedPort = value
        } else {
            resolvedPort = 3000
        }
        guard (0...65535).contains(resolvedPort) else { throw ValidationError("port \(resolvedPort) is out of range") }
        guard maxBodyBytes > 0 else { throw ValidationError("--max-body-bytes must be positive") }
        let bearer = environment["SERVICE_BEARER"].flatMap { $0.isEmpty ? nil : $0 }
        return ServiceConfiguration(
            host: host ?? environment["HOST"].flatMap { $0.isEmpty ? nil : $0 } ?? "127.0.0.1",
            port: resolvedPort,
            maxBodySize: maxBodyBytes,
            bearerToken: bearer
        )
    }
}

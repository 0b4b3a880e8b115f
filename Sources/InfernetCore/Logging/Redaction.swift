import Foundation

/// The one redaction rule of the node: what counts as a secret and how it is hidden. Every log
/// handler of every process runs each message and metadata value through `scrub(_:)`, and the
/// config types describe themselves through it, so a new log line cannot leak a secret.
///
/// Secrets are known two ways:
/// - by value: a loaded config registers its private key, bearers, container `env` values,
///   Docker password and the credential parts of its RPC URLs (`register(config:)`);
/// - by shape: `user:pass@` in any URL, `Bearer <token>` in any text.
public enum Redaction {
    /// What a hidden value is replaced with.
    public static let mask = "<redacted>"

    /// Values shorter than this are not scrubbed from free text (an env value such as "1" or
    /// "info" would otherwise erase every such word from the logs); config descriptions still
    /// hide them.
    public static let minimumScrubbedLength = 6

    private static let known = LockedSecrets()

    /// Adds secret values to hide wherever they appear in log text.
    public static func register(_ secrets: some Sequence<String>) {
        let fresh = secrets.filter { $0.count >= minimumScrubbedLength }
        guard !fresh.isEmpty else { return }
        known.withLock { values in
            for secret in fresh where !values.contains(secret) { values.append(secret) }
            // Longest first, so a secret that contains another is replaced whole.
            values.sort { $0.count > $1.count }
        }
    }

    /// Registers the values of environment variables whose names say they hold a secret
    /// (`*KEY*`, `*TOKEN*`, `*SECRET*`, `*PASSWORD*`, `*BEARER*`): the services' API keys, a
    /// private key given through `private_key_env`.
    public static func register(environment: [String: String]) {
        let markers = ["KEY", "TOKEN", "SECRET", "PASSWORD", "PASSWD", "BEARER", "CREDENTIAL"]
        register(environment.filter { name, _ in
            let upper = name.uppercased()
            return markers.contains { upper.contains($0) }
        }.map(\.value))
    }

    /// Registers every secret a config holds.
    public static func register(config: NodeConfig) {
        register(config.secretValues)
    }

    /// `text` with every known secret, URL credential and bearer token replaced by `mask`.
    public static func scrub(_ text: String) -> String {
        var result = text
        let secrets = known.withLock { $0 }
        for secret in secrets where occurs(secret, in: result) {
            result = result.replacingOccurrences(of: secret, with: mask)
        }
        if occurs("://", in: result) { result = scrubURLCredentials(result) }
        if occurs("Bearer ", in: result) { result = scrubBearerTokens(result) }
        return result
    }

    /// Whether `needle`'s UTF-8 bytes occur in `text`'s. Every message and metadata value of
    /// every log line is checked for every secret: Foundation's `contains` (`CFStringFind`)
    /// took ~3 µs a check, ~4 % of the chain worker's CPU while delivering; this ~0.1 µs.
    static func occurs(_ needle: String, in text: String) -> Bool {
        var text = text, needle = needle
        return text.withUTF8 { haystack in
            needle.withUTF8 { needle in
                guard let first = needle.first, let needleStart = needle.baseAddress else { return true }
                guard haystack.count >= needle.count, let start = haystack.baseAddress else { return false }
                for offset in 0...(haystack.count - needle.count)
                where haystack[offset] == first && memcmp(start + offset, needleStart, needle.count) == 0 {
                    return true
                }
                return false
            }
        }
    }

    /// An RPC URL as it may be shown: `scheme://host[:port]/…` when it carries credentials
    /// (`user:pass@`) or anything in its path or query (providers put API keys there);
    /// unchanged otherwise.
    public static func url(_ text: String) -> String {
        guard let components = URLComponents(string: text), let scheme = components.scheme, let host = components.host else {
            return text.isEmpty ? text : mask
        }
        let hasPath = !(components.path.isEmpty || components.path == "/")
        guard components.user != nil || components.password != nil || hasPath || components.query != nil
            || components.fragment != nil
        else { return text }
        let port = components.port.map { ":\($0)" } ?? ""
        return "\(scheme)://\(host)\(port)/…"
    }

    /// The secret parts of a URL for value scrubbing: user info and query, and for RPC URLs
    /// (`includingPath`) the path and the whole URL.
    static func urlSecrets(_ text: String, includingPath: Bool = true) -> [String] {
        guard let components = URLComponents(string: text) else { return [text] }
        var parts: [String] = []
        if let user = components.percentEncodedUser { parts.append(user) }
        if let password = components.percentEncodedPassword { parts.append(password) }
        if let query = components.percentEncodedQuery { parts.append(query) }
        guard includingPath else { return parts }
        let path = components.percentEncodedPath
        if !(path.isEmpty || path == "/") { parts.append(path.hasPrefix("/") ? String(path.dropFirst()) : path) }
        if url(text) != text { parts.append(text) }
        return parts
    }

    /// `scheme://user:pass@host` -> `scheme://<redacted>@host`.
    static func scrubURLCredentials(_ text: String) -> String {
        var output = ""
        var rest = Substring(text)
        while let separator = rest.range(of: "://") {
            output += rest[..<separator.upperBound]
            rest = rest[separator.upperBound...]
            // The authority ends at the first '/', '?', '#' or whitespace.
            let end = rest.firstIndex { "/?#\"' \t\n,;)]}".contains($0) } ?? rest.endIndex
            let authority = rest[..<end]
            if let at = authority.lastIndex(of: "@") {
                output += mask + "@"
                rest = rest[rest.index(after: at)...]
            }
        }
        return output + rest
    }

    /// `Bearer abc…` -> `Bearer <redacted>`: the HTTP auth scheme's spelling, then a token of at
    /// least 8 characters (so prose such as "wrong bearer token" is left as it is).
    static func scrubBearerTokens(_ text: String) -> String {
        var output = ""
        var rest = Substring(text)
        while let word = rest.range(of: "Bearer ") {
            output += rest[..<word.upperBound]
            rest = rest[word.upperBound...]
            let token = rest.prefix { !$0.isWhitespace && $0 != "\"" && $0 != "," && $0 != "}" && $0 != "]" }
            if token.count >= 8, token != Substring(mask) {
                output += mask
                rest = rest[token.endIndex...]
            }
        }
        return output + rest
    }
}

extension NodeConfig {
    /// Every secret value in this config, for `Redaction.register`.
    public var secretValues: [String] {
        var values: [String] = []
        if let key = chain.wallet.privateKey { values += key.redactedForms }
        for url in chain.rpcURLs { values += Redaction.urlSecrets(url.absoluteString) }
        if let password = dockerCredentials?.password.value, !password.isEmpty { values.append(password) }
        for container in containers {
            if !container.bearer.isEmpty { values.append(container.bearer.value) }
            values += container.env.values.filter { !$0.isEmpty }
            if !container.url.isEmpty { values += Redaction.urlSecrets(container.url, includingPath: false) }
        }
        return values
    }
}

/// The registered secret values behind a lock (log handlers read them from any thread).
private final class LockedSecrets: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [String] = []

    func withLock<T>(_ body: (inout [String]) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(&values)
    }
}

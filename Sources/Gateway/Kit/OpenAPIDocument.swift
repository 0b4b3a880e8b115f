import Foundation

/// The API's OpenAPI 3 document (`openapi.yaml`, a resource of this target).
public enum OpenAPIDocument {
    static let bundleName = "infernet-node-swift_Gateway.resources"

    /// The document's text; nil when the resource bundle was not installed next to the executable.
    /// (Looked up by hand: `Bundle.module` stops the process when the bundle is missing.)
    public static let text: String? = {
        var candidates: [URL] = []
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
        for base in [Bundle.main.bundleURL, executable.deletingLastPathComponent(), Bundle.main.resourceURL].compactMap({ $0 }) {
            candidates.append(base.appendingPathComponent(bundleName).appendingPathComponent("openapi.yaml"))
            candidates.append(base.appendingPathComponent(bundleName).appendingPathComponent("Contents/Resources/openapi.yaml"))
        }
        // Development and tests: the source tree.
        candidates.append(URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("openapi.yaml"))
        for url in candidates {
            if let data = FileManager.default.contents(atPath: url.path) { return String(decoding: data, as: UTF8.self) }
        }
        return nil
    }()
}

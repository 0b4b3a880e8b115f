import Foundation
import Glibc
import InfernetCore

/// Settings that parse but cannot work on this host, refused before any worker or container
/// starts (and so before READY), each naming its key: the API port or a `command` container's
/// port already held by another process, a `command` that does not exist or cannot run.
public enum StartupChecks {
    /// Throws the first problem found.
    public static func run(config: NodeConfig, searchDirectories: [String]) throws(ConfigError) {
        if let problem = bindProblem(host: config.server.bindAddress, port: config.server.port) {
            throw ConfigError(key: "server.port", "port \(config.server.port) on \(config.server.bindAddress) cannot be used: \(problem)")
        }
        guard config.manageContainers else { return }
        for (index, container) in config.containers.enumerated() {
            guard case .process(let command) = container.runtime else { continue }
            try checkCommand(command, key: "containers[\(index)].command", searchDirectories: searchDirectories)
            if let problem = bindProblem(host: "0.0.0.0", port: container.port) {
                throw ConfigError(key: "containers[\(index)].port",
                                  "port \(container.port) of container '\(container.id)' cannot be used: \(problem)")
            }
        }
    }

    /// The program a `command` runs (its first word after any `NAME=value` assignments) must
    /// exist and be executable, found like the shell finds it (the node's own directory first).
    static func checkCommand(_ command: String, key: String, searchDirectories: [String]) throws(ConfigError) {
        let words = command.split(whereSeparator: \.isWhitespace).map(String.init)
        guard var program = words.first(where: { !isAssignment($0) }) else {
            throw ConfigError(key: key, "names no program to run")
        }
        program = program.trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
        // Shell syntax beyond a plain program name is left to the shell.
        guard !program.contains("$"), !program.contains("`") else { return }
        let manager = FileManager.default
        if program.contains("/") {
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: program, isDirectory: &isDirectory) else {
                throw ConfigError(key: key, "program '\(program)' does not exist")
            }
            guard !isDirectory.boolValue, manager.isExecutableFile(atPath: program) else {
                throw ConfigError(key: key, "program '\(program)' is not executable")
            }
            return
        }
        if ["exec", "env", "nice", "nohup", "cd", ".", "source", "test", "true", "false"].contains(program) { return }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        let directories = searchDirectories + path.split(separator: ":").map(String.init)
        if directories.contains(where: { manager.isExecutableFile(atPath: $0 + "/" + program) }) { return }
        throw ConfigError(key: key, "program '\(program)' was not found in the node's directory or PATH")
    }

    private static func isAssignment(_ word: String) -> Bool {
        guard let equals = word.firstIndex(of: "="), equals != word.startIndex else { return false }
        return word[..<equals].allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }
    }

    /// Why a TCP listener cannot bind `host:port` right now (nil: it can). IPv4 only; other
    /// addresses are left to the listener itself.
    public static func bindProblem(host: String, port: Int) -> String? {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(truncatingIfNeeded: port)).bigEndian
        let literal = host == "localhost" ? "127.0.0.1" : host
        guard inet_pton(AF_INET, literal, &address.sin_addr) == 1 else { return nil }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        // As a real listener would: a socket left in TIME_WAIT by an earlier run is no conflict.
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if bound == 0 { return nil }
        let code = errno
        return code == EADDRINUSE
            ? "it is already in use by another process (a node left running, or another service)"
            : String(cString: strerror(code))
    }
}

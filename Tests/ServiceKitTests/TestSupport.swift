import Foundation
import Hummingbird
import HummingbirdTesting
import InfernetCore
import ServiceKit
import Testing

/// A service configuration on a free port.
let testConfiguration = ServiceConfiguration(host: "127.0.0.1", port: 0)

extension TestClientProtocol {
    /// `POST /service_output` with a raw body.
    func serviceOutput(_ body: String, headers: HTTPFields = [:]) async throws -> TestResponse {
        try await execute(uri: "/service_output", method: .post, headers: headers, body: ByteBuffer(string: body))
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }

    func json(sourceLocation: SourceLocation = #_sourceLocation) throws -> JSONValue {
        try JSONValue(parsing: text)
    }

    /// Checks the error shape `{code, name, description}` and returns the description.
    @discardableResult
    func expectError(_ status: HTTPResponse.Status, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        #expect(self.status == status, "body: \(text)", sourceLocation: sourceLocation)
        #expect(headers[.contentType] == "application/json", sourceLocation: sourceLocation)
        let value = try json()
        #expect(value.objectValue?.keys == ["code", "name", "description"], sourceLocation: sourceLocation)
        #expect(value["code"]?.numberValue?.intValue == status.code, sourceLocation: sourceLocation)
        #expect(value["name"]?.stringValue == status.reasonPhrase, sourceLocation: sourceLocation)
        return value["description"]?.stringValue ?? ""
    }
}

/// Python's own answer: `repr(json.loads(text))`, computed by python3 (the oracle).
func pythonRepr(ofJSON text: String) throws -> String {
    let script = "import json,sys; sys.stdout.write(json.dumps(repr(json.loads(sys.stdin.buffer.read().decode('utf-8')))))"
    let output = try runPython(script, input: text)
    guard let repr = try JSONValue(parsing: output).stringValue else { throw PythonError(message: "not a string: \(output)") }
    return repr
}

struct PythonError: Error { let message: String }

func runPython(_ script: String, input: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script]
    let stdin = Pipe(), stdout = Pipe()
    process.standardInput = stdin
    process.standardOutput = stdout
    try process.run()
    stdin.fileHandleForWriting.write(Data(input.utf8))
    try stdin.fileHandleForWriting.close()
    let data = stdout.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw PythonError(message: "python3 exited with \(process.terminationStatus)") }
    return String(decoding: data, as: UTF8.self)
}

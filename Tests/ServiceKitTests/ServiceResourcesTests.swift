import Foundation
import Hummingbird
import HummingbirdTesting
import InfernetCore
import ServiceKit
import Testing

@Suite("GET /service-resources")
struct ServiceResourcesTests {
    @Test("describes the service and the host's hardware")
    func resources() async throws {
        let capability: JSONValue = ["id": "ml", "type": "css", "task": []]
        let info = ServiceInfo(id: "css-test", computeCapability: [capability])
        let app = ServiceApplication(info: info, configuration: testConfiguration) { _ in .output("x") }.buildApplication()
        try await app.test(.live) { client in
            let response = try await client.execute(uri: "/service-resources", method: .get)
            #expect(response.status == .ok)
            let json = try response.json()
            #expect(json.objectValue?.keys == ["version", "service_id", "hardware_capabilities", "compute_capability"])
            #expect(json["version"] == "0.1.0")
            #expect(json["service_id"] == "css-test")
            #expect(json["compute_capability"] == [capability])
            let hardware = try #require(json["hardware_capabilities"]?.arrayValue)
            let base = try #require(hardware.first)
            #expect(base["capability_id"] == "base")
            #expect(base["cpu_info"]?["num_cores"]?.numberValue?.intValue == ProcessInfo.processInfo.activeProcessorCount)
            #expect((base["memory_info"]?["total"]?.numberValue?.intValue ?? 0) > 0)
            #expect((base["disk_info"]?.arrayValue?.first?["size"]?.numberValue?.intValue ?? 0) > 0)
            #expect(base["os_info"]?["name"]?.stringValue?.isEmpty == false)
            // A GPU entry exactly when nvidia-smi runs here.
            let hasSMI = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
                .contains { FileManager.default.isExecutableFile(atPath: "\($0)/nvidia-smi") }
            let gpu = hardware.first { $0["capability_id"] == "gpu" }
            if !hasSMI { #expect(gpu == nil) }
            if let gpu { #expect(gpu["gpu_info"]?.arrayValue != nil) }
            // Cached: the same document the second time.
            let again = try await client.execute(uri: "/service-resources", method: .get)
            #expect(try again.json()["service_id"] == "css-test")
        }
    }

    @Test("model_id query goes to the hook")
    func modelQuery() async throws {
        var service = ServiceApplication(info: ServiceInfo(id: "models"), configuration: testConfiguration) { _ in .output("x") }
        service.modelQuery = { modelID in
            if modelID == "broken" { throw ServiceError.upstream("registry down") }
            return modelID == "owner/model"
        }
        try await service.buildApplication().test(.live) { client in
            let yes = try await client.execute(uri: "/service-resources?model_id=owner%2Fmodel", method: .get)
            #expect(yes.text == #"{"supported":true}"#)
            let no = try await client.execute(uri: "/service-resources?model_id=other", method: .get)
            #expect(no.text == #"{"supported":false}"#)
            let broken = try await client.execute(uri: "/service-resources?model_id=broken", method: .get)
            let json = try broken.json()
            #expect(json["supported"] == false)
            #expect(json["error"]?.stringValue?.contains("registry down") == true)
            // An empty model_id is the resources document.
            let empty = try await client.execute(uri: "/service-resources?model_id=", method: .get)
            #expect(try empty.json()["service_id"] == "models")
        }
    }

    @Test("default hook: nothing is advertised")
    func defaultModelQuery() async throws {
        let app = HelloWorldService.application(configuration: testConfiguration).buildApplication()
        try await app.test(.live) { client in
            let response = try await client.execute(uri: "/service-resources?model_id=anything", method: .get)
            #expect(response.text == #"{"supported":false}"#)
        }
    }
}

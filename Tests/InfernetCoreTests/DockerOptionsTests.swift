import XCTest

@testable import InfernetCore

/// The node's Docker keys (`node.docker_host`, `node.docker_pull`, `node.docker_publish_address`)
/// and how the engine endpoint is resolved.
final class DockerOptionsTests: XCTestCase {
    func testDefaultsAndEnvironment() throws {
        let config = try NodeConfig.parse(Array("{}".utf8))
        XCTAssertEqual(config.node.docker.pull, .missing)
        XCTAssertEqual(config.node.docker.publishAddress, "127.0.0.1")
        XCTAssertEqual(config.node.docker.resolvedHost(environment: [:]), "unix:///var/run/docker.sock")
        XCTAssertEqual(config.node.docker.resolvedHost(environment: ["DOCKER_HOST": "tcp://10.0.0.2:2375"]), "tcp://10.0.0.2:2375")
    }

    func testConfigKeyWinsOverDockerHost() throws {
        let text = #"{"node": {"docker_host": "unix:///run/podman/podman.sock", "docker_pull": "never", "docker_publish_address": "0.0.0.0"}}"#
        let config = try NodeConfig.parse(Array(text.utf8))
        XCTAssertEqual(config.node.docker.resolvedHost(environment: ["DOCKER_HOST": "tcp://x:1"]), "unix:///run/podman/podman.sock")
        XCTAssertEqual(config.node.docker.pull, .never)
        XCTAssertEqual(config.node.docker.publishAddress, "0.0.0.0")
    }

    func testBadValuesNameTheKey() {
        for (text, key) in [
            (#"{"node": {"docker_host": "http://x"}}"#, "node.docker_host"),
            (#"{"node": {"docker_pull": "sometimes"}}"#, "node.docker_pull"),
        ] {
            XCTAssertThrowsError(try NodeConfig.parse(Array(text.utf8)), text) { error in
                XCTAssertEqual((error as? ConfigError)?.key, key, "\(error)")
            }
        }
    }
}

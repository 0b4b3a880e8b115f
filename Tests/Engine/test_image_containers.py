"""`image` containers on a real container engine (podman's Docker Engine API, scripts/engine.sh),
each test starting the real node: jobs, chains and streams through images; the engine restarting
a killed container; SIGTERM stopping and removing the containers and a second start; the errors
of a missing image, a taken port and an engine that is down; the request the engine receives."""
from __future__ import annotations

import base64
import http.client
import json
import os
import signal
import socket
import time

from enginehelpers import ECHO, HELLO, RecordingProxy, free_port, hello_container, start_node


def output_text(job: dict) -> str:
    assert job["status"] == "success", job
    return json.dumps(job["result"])


def test_job_through_an_image_container(engine, tmp_path):
    container = hello_container("hello-img")
    node = start_node(tmp_path / "node", engine.host, [container])
    try:
        job = node.wait_container("hello-img", {"prompt": "2 + 2"}, timeout=60)
        assert "hello, world!" in output_text(job) and "2 + 2" in output_text(job)
        info = engine.inspect("hello-img")
        assert info is not None and info["State"]["Running"]
        # published on 127.0.0.1 at the configured port, with the reference's restart policy
        binding = info["HostConfig"]["PortBindings"]["3000/tcp"][0]
        assert binding["HostIp"] == "127.0.0.1" and binding["HostPort"] == str(container["port"])
        assert info["HostConfig"]["RestartPolicy"]["Name"] == "on-failure"
    finally:
        node.stop()
        engine.remove("hello-img")


def test_chain_across_two_images(engine, tmp_path):
    node = start_node(tmp_path / "node", engine.host,
                      [hello_container("chain-hello"), hello_container("chain-echo", image=ECHO)])
    try:
        node.wait_container("chain-echo", {"x": 1}, timeout=60)
        job = node.run_job(["chain-hello", "chain-echo"], {"prompt": "chained"})
        assert job["status"] == "success", job
        # the echo service returns its input (hex): the hello-world container's output
        echoed = bytes.fromhex(job["result"]["output"]["raw_input"]).decode()
        assert "hello, world!" in echoed and "chained" in echoed, echoed
        images = {engine.inspect(name)["Config"]["Image"] for name in ("chain-hello", "chain-echo")}
        assert len(images) == 2, images
    finally:
        node.stop()
        engine.remove("chain-hello")
        engine.remove("chain-echo")


def test_stream_from_an_image(engine, tmp_path):
    node = start_node(tmp_path / "node", engine.host, [hello_container("stream-img")])
    try:
        node.wait_container("stream-img", {"warm": True}, timeout=60)
        conn = http.client.HTTPConnection("127.0.0.1", node.port, timeout=30)
        conn.request("POST", "/api/jobs/stream",
                     body=json.dumps({"containers": ["stream-img"], "data": {"prompt": "streamed words"}}),
                     headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        assert response.status == 200
        reads = []
        while True:
            block = response.read1(65536)
            if not block:
                break
            reads.append(block)
        conn.close()
        job_id, streamed = b"".join(reads).decode().split("\n", 1)
        assert len(job_id) >= 8
        assert "hello, world!" in streamed and "streamed words" in streamed, streamed
        assert len(reads) >= 3, reads  # word by word, not one block
    finally:
        node.stop()
        engine.remove("stream-img")


def test_kill_9_restarted_by_the_engine(engine, tmp_path):
    node = start_node(tmp_path / "node", engine.host, [hello_container("kill-img")])
    try:
        node.wait_container("kill-img", {"before": 1}, timeout=60)
        before = engine.wait_running("kill-img")
        pid = before["State"]["Pid"]
        os.kill(pid, signal.SIGKILL)
        after = engine.wait_running("kill-img", timeout=60, not_pid=pid)
        assert after["RestartCount"] >= 1 or after["State"]["StartedAt"] != before["State"]["StartedAt"]
        job = node.wait_container("kill-img", {"after": 1}, timeout=60)
        assert "hello, world!" in output_text(job)
    finally:
        node.stop()
        engine.remove("kill-img")


def test_sigterm_stops_and_removes_then_a_second_start(engine, tmp_path):
    container = hello_container("term-img")
    node = start_node(tmp_path / "node", engine.host, [container])
    try:
        node.wait_container("term-img", {"n": 1}, timeout=60)
        assert engine.inspect("term-img") is not None
        node.proc.send_signal(signal.SIGTERM)
        node.proc.wait(60)
        assert engine.inspect("term-img") is None, "the node left its container behind"
    finally:
        node.stop()
    # a second start creates it again cleanly
    node = start_node(tmp_path / "node2", engine.host, [container])
    try:
        job = node.wait_container("term-img", {"n": 2}, timeout=60)
        assert "hello, world!" in output_text(job)
        first_id = engine.inspect("term-img")["Id"]
        # a node killed without a chance to clean up leaves the container: the next start reuses it
        node.proc.send_signal(signal.SIGKILL)
        node.proc.wait(30)
    finally:
        node.stop()
    node = start_node(tmp_path / "node3", engine.host, [container])
    try:
        job = node.wait_container("term-img", {"n": 3}, timeout=60)
        assert "hello, world!" in output_text(job)
        assert engine.inspect("term-img")["Id"] == first_id
        assert "reusing container" in node.log_path.read_text(errors="replace")
    finally:
        node.stop()
        engine.remove("term-img")


def test_missing_image_and_taken_port_are_clear_errors(engine, tmp_path):
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen(1)
    port = taken.getsockname()[1]
    containers = [
        hello_container("no-such-image", image="infernet-swift/does-not-exist:1.0"),
        hello_container("port-taken", port=port),
        hello_container("fine-img"),
    ]
    node = start_node(tmp_path / "node", engine.host, containers)
    try:
        job = node.wait_container("fine-img", {"ok": 1}, timeout=60)
        assert "hello, world!" in output_text(job)
        log = node.log_path.read_text(errors="replace")
        missing = [line for line in log.splitlines() if "container 'no-such-image'" in line]
        assert missing and "infernet-swift/does-not-exist:1.0" in missing[0], log[-3000:]
        assert "will not run" in missing[0]
        busy = [line for line in log.splitlines() if "container 'port-taken'" in line and "will not run" in line]
        assert busy and str(port) in busy[0] and "address already in use" in busy[0], log[-3000:]
        # no container left behind for the one that could not start
        assert engine.inspect("port-taken") is None
        # a job for the missing one fails, naming the container
        failed = node.run_job(["no-such-image"], {"x": 1}, timeout=30)
        assert failed["status"] == "failed" and "no-such-image" in json.dumps(failed), failed
    finally:
        taken.close()
        node.stop()
        for name in ("no-such-image", "port-taken", "fine-img"):
            engine.remove(name)


def test_engine_down_at_start(tmp_path):
    """No engine at DOCKER_HOST: the image container is a clear error naming it, `url` and
    `command` containers keep working."""
    hello_bin = os.environ.get("INFERNET_BIN_DIR", "")
    url_port = free_port()
    remote = start_node(tmp_path / "remote", "unix:///nonexistent/none.sock",
                        [{"id": "remote-hello", "command": "infernet-hello-world", "port": url_port}])
    try:
        remote.wait_container("remote-hello", {"x": 0}, timeout=60)
        containers = [
            hello_container("down-img"),
            {"id": "cmd-hello", "command": "infernet-hello-world", "port": free_port()},
            {"id": "url-hello", "url": f"http://127.0.0.1:{url_port}"},
        ]
        stale = tmp_path / "stale.sock"
        # a socket file nobody listens on: the engine is down, not just absent
        dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        dead.bind(str(stale))
        dead.close()
        for host in ("unix:///nonexistent/docker.sock", f"unix://{stale}"):
            node = start_node(tmp_path / f"node-{len(host)}", host, containers,
                              env={"PATH": f"{hello_bin}:{os.environ['PATH']}"} if hello_bin else None)
            try:
                for container_id in ("cmd-hello", "url-hello"):
                    job = node.wait_container(container_id, {"id": container_id}, timeout=60)
                    assert "hello, world!" in output_text(job)
                log = node.log_path.read_text(errors="replace")
                lines = [line for line in log.splitlines() if "container 'down-img'" in line]
                assert lines and HELLO in lines[0] and "will not run" in lines[0], log[-3000:]
                failed = node.run_job(["down-img"], {"x": 1}, timeout=30)
                assert failed["status"] == "failed" and "down-img" in json.dumps(failed), failed
            finally:
                node.stop()
    finally:
        remote.stop()


def test_engine_receives_device_requests_and_registry_auth(engine, tmp_path):
    """Through a recording proxy between node and engine (podman drops DeviceRequests silently,
    so the assertion is on what the node sent): version negotiation, the Host header, the create
    body with DeviceRequests for gpu: true, and X-Registry-Auth on pulls with the password never
    in the node's log."""
    proxy = RecordingProxy(engine.socket_path, tmp_path / "proxy.sock")
    password = "s3cret-registry-pw-7781"
    container = hello_container("gpu-img", gpu=True, env={"GREETING": "hi"}, command="--chunk-delay-ms 5")
    node = start_node(tmp_path / "node", "unix:///nonexistent/ignored.sock", [container],
                      extra={"docker": {"username": "operator", "password": password}},
                      node={"docker_host": proxy.host, "docker_pull": "always"})
    try:
        node.wait_container("gpu-img", {"gpu": 1}, timeout=60)
        requests = proxy.requests()
        assert requests and all(r["headers"].get("host") for r in requests), requests[:3]
        assert requests[0]["method"] == "GET" and requests[0]["path"] == "/version"
        version = engine.api("GET", "/version")[1]["ApiVersion"]
        expected = min((1, 43), tuple(int(p) for p in version.split(".")[:2]))
        prefix = f"/v{expected[0]}.{expected[1]}/"
        assert all(r["path"].startswith(prefix) for r in requests[1:]), [r["path"] for r in requests]
        creates = [r for r in requests if r["method"] == "POST" and "/containers/create" in r["path"]]
        assert len(creates) == 1 and "name=gpu-img" in creates[0]["path"]
        body = json.loads(creates[0]["body"])
        assert body["HostConfig"]["DeviceRequests"] == [
            {"Driver": "", "Count": -1, "Capabilities": [["gpu"]], "Options": {}}], body["HostConfig"]
        assert body["Image"] == HELLO and "GREETING=hi" in body["Env"]
        assert body["Cmd"] == ["--chunk-delay-ms", "5"]
        assert body["HostConfig"]["PortBindings"] == {
            "3000/tcp": [{"HostIp": "127.0.0.1", "HostPort": str(container["port"])}]}
        assert body["HostConfig"]["RestartPolicy"] == {"Name": "on-failure", "MaximumRetryCount": 5}
        pulls = [r for r in requests if "/images/create" in r["path"]]
        assert len(pulls) == 1, [r["path"] for r in requests]
        auth = pulls[0]["headers"]["x-registry-auth"]
        decoded = json.loads(base64.urlsafe_b64decode(auth + "=" * (-len(auth) % 4)))
        assert decoded == {"username": "operator", "password": password}
        assert all("x-registry-auth" not in r["headers"] for r in requests if r is not pulls[0])
        # the pull failed (no registry here) and the local image was used; no secret logged
        log = node.log_path.read_text(errors="replace")
        assert "using the local image" in log
        assert password not in log and auth not in log
    finally:
        node.stop()
        proxy.stop()
        engine.remove("gpu-img")

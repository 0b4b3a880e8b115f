"""The example node configs for the Swift API-client services (deploy/config.{css,tgi,hf}.json)
and their Dockerfiles: valid JSON, each `command`'s executable built in the bin dir, every
env key one the service reads, no key material in the file, and the real node started with
each config (ports and paths moved to temporary ones) brings the service up as a `command`
container. The node has no check-only mode, so starting it is the config check."""
from __future__ import annotations

import http.server
import json
import shlex
import subprocess
import threading
import time
import urllib.request

import pytest

from nodehelpers import NodeProcess, require_bin_dir
from svchelpers import ROOT, free_port

CONFIGS = {"css": "infernet-css", "tgi": "infernet-tgi", "hf": "infernet-hf"}


def load(name: str) -> dict:
    return json.loads((ROOT / "deploy" / f"config.{name}.json").read_text())


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_example_config_is_valid_and_names_built_executables(name):
    config = load(name)
    bin_dir = require_bin_dir()
    (container,) = config["containers"]
    executable = shlex.split(container["command"])[0]
    assert executable == CONFIGS[name]
    assert (bin_dir / executable).is_file()
    assert "--port" not in container["command"]      # the node sets PORT
    assert 1 <= container["port"] <= 65535 and container["id"]
    help_text = subprocess.run([str(bin_dir / executable), "--help"], capture_output=True, text=True,
                               timeout=30).stdout
    for key in container.get("env", {}):
        assert key in help_text, f"{key} is not an environment variable {executable} documents"
        assert "KEY" not in key and "TOKEN" not in key and "BEARER" not in key, \
            f"{key}: secrets come from the node's environment, not the config file"
    dockerfile = (ROOT / "deploy" / "docker" / f"{name}.Dockerfile").read_text()
    assert f"--product {executable}" in dockerfile and f'CMD ["{executable}"]' in dockerfile
    assert "HOST=0.0.0.0" in dockerfile


class FakeTGI:
    """Answers TGI's `GET /info` (the service checks the server at start-up)."""

    def __init__(self) -> None:
        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                body = json.dumps({"model_id": "fake/tgi-model", "max_total_tokens": 2048}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_node_runs_the_example_config(name, tmp_path):
    require_bin_dir()
    config = load(name)
    (container,) = config["containers"]
    container["port"] = free_port()
    tgi = FakeTGI() if name == "tgi" else None
    if tgi:
        container["env"]["TGI_URL"] = tgi.url
    extra = {k: v for k, v in config.items() if k not in ("server", "containers", "node")}
    extra["log"] = {**config["log"], "path": str(tmp_path / "infernet_node.log")}
    node = NodeProcess(tmp_path / "node", [container], extra=extra,
                       node={k: v for k, v in config["node"].items() if k != "data_dir"},
                       env={"OPENAI_API_KEY": "sk-test", "HF_INF_TOKEN": "hf-test"})
    try:
        node.wait_healthy()
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{container['port']}/", timeout=2) as r:
                    assert r.status == 200
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise AssertionError(f"{CONFIGS[name]} did not come up:\n{node.log_text()}")
                time.sleep(0.1)
        with urllib.request.urlopen(node.base + "/info", timeout=5) as r:
            info = json.loads(r.read())
        assert [c["id"] for c in info["containers"]] == [container["id"]]
    finally:
        node.stop()
        if tgi:
            tgi.stop()

"""deploy/compose.yaml brought up with podman-compose (the Debian package) on the test's engine
storage: the node and the hello-world service as images, one job through the node, then down."""
from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.request

from enginehelpers import ROOT, free_port
from nodehelpers import http_json


def compose(engine, project: str, env: dict, *args: str, timeout: float = 300) -> str:
    out = subprocess.run(["podman-compose", "-p", project, "-f", str(ROOT / "deploy" / "compose.yaml"), *args],
                         capture_output=True, text=True, timeout=timeout,
                         env={**os.environ, **engine.env, **env})
    assert out.returncode == 0, f"podman-compose {' '.join(args)}:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}"
    return out.stdout


def test_compose_up_one_job_down(engine, tmp_path):
    node_port = free_port()
    project = f"infernet-test-{os.getpid()}"
    # the config as shipped (the node calls hello-world by its compose name)
    env = {"INFERNET_CONFIG": str(ROOT / "deploy" / "config.compose.json"), "NODE_PORT": str(node_port)}
    compose(engine, project, env, "up", "-d")
    try:
        base = f"http://127.0.0.1:{node_port}"
        deadline = time.monotonic() + 90
        result = None
        while time.monotonic() < deadline:
            try:
                status, body = http_json("POST", base + "/api/jobs",
                                         {"containers": ["hello-world"], "data": {"prompt": "compose"}}, timeout=5)
            except OSError:
                time.sleep(0.3)
                continue
            if status == 200:
                for _ in range(100):
                    _, jobs = http_json("GET", f"{base}/api/jobs?id={body['id']}")
                    if jobs and jobs[0]["status"] != "running":
                        result = jobs[0]
                        break
                    time.sleep(0.05)
                if result and result["status"] == "success":
                    break
            time.sleep(0.3)
        logs = subprocess.run(["podman", "logs", f"{project}_node_1"], capture_output=True, text=True,
                              env={**os.environ, **engine.env}, timeout=30)
        assert result and result["status"] == "success", (result, logs.stdout[-2000:], logs.stderr[-2000:])
        assert "hello, world!" in json.dumps(result["result"]) and "compose" in json.dumps(result["result"])
        with urllib.request.urlopen(base + "/health", timeout=5) as response:
            assert response.status == 200
        names = {info["Names"][0].lstrip("/") for info in engine.api("GET", "/containers/json")[1]}
        assert {f"{project}_node_1", f"{project}_hello-world_1"} <= names, names
    finally:
        compose(engine, project, env, "down", timeout=120)
        # podman-compose 1.0 leaves the project's network (and its dnsmasq) behind
        subprocess.run(["podman", "network", "rm", "-f", f"{project}_default"], capture_output=True,
                       env={**os.environ, **engine.env}, timeout=60)
    names = {info["Names"][0].lstrip("/") for info in engine.api("GET", "/containers/json?all=true")[1]}
    assert not any(name.startswith(project) for name in names), names

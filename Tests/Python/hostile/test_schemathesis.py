"""schemathesis against the OpenAPI document the node serves (`/openapi.yaml`): generated
requests for every operation, positive and negative, bounded in time. Every response must be no
server error and conform to the document (status code, content type, headers, body schema), and
wrong methods must be answered 405 with a correct `Allow`."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from hostilenode import HostileNode

CHECKS = ",".join([
    "not_a_server_error", "status_code_conformance", "content_type_conformance",
    "response_headers_conformance", "response_schema_conformance", "unsupported_method",
    "allow_header_conformance",
])


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    # "hello-world", the id the document's example names, so generated jobs also reach a container.
    started = HostileNode(tmp_path_factory.mktemp("schemathesis"), {"hello-world": ""},
                          node={"max_request_body_bytes": 1 << 20})
    try:
        started.wait_ready("hello-world")
        yield started
    finally:
        started.stop()


def test_served_document_holds_for_generated_requests(node, tmp_path):
    binary = Path(sys.executable).parent / "schemathesis"
    if not binary.exists():
        pytest.fail(f"schemathesis is not installed next to {sys.executable}; run with the venv of scripts/setup.sh --hostile")
    command = [str(binary), "run", f"{node.base}/openapi.yaml", "--url", node.base, "--checks", CHECKS,
               "--max-examples", os.environ.get("INFERNET_SCHEMATHESIS_EXAMPLES", "40"), "--seed", "10",
               "--max-time", "100", "--request-timeout", "20", "--workers", "2",
               "--phases", "examples,coverage,fuzzing", "--suppress-health-check", "all",
               "--report", "junit", "--report-dir", str(tmp_path)]
    # In tmp_path: schemathesis keeps a cache directory in its working directory.
    run = subprocess.run(command, capture_output=True, text=True, timeout=240, cwd=tmp_path,
                         env={**os.environ, "NO_COLOR": "1"})
    output = run.stdout + run.stderr
    print(output[-4000:])
    assert run.returncode == 0, output[-12000:] + "\n" + node.log_text(3000)
    # It did run generated requests against every operation, all passing.
    assert re.search(r"Tested:\s+9\b", output), output[-3000:]
    counts = re.search(r"(\d+) generated, (\d+) passed", output)
    assert counts and counts.group(1) == counts.group(2) and int(counts.group(1)) >= 200, output[-3000:]

"""The node's REST API with the request shapes of Ritual's infernet-client."""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from .processes import ExampleError, wait_for


class ClientError(ExampleError):
    """The node answered a request with an error."""


def http_json(method: str, url: str, body: Any = None, timeout: float = 30,
              headers: dict[str, str] | None = None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        raw, status = error.read(), error.code
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, raw.decode(errors="replace")


class NodeClient:
    """The node's REST API with the request shapes of Ritual's infernet-client (`NodeClient`):
    `request_job(containers, data)` posts a JobRequest `{containers, data, requires_proof}` to
    `/api/jobs`, `get_job_result_sync(id)` polls `/api/jobs?id=` until the job is done, and
    `stream(containers, data)` reads `/api/jobs/stream` (first line the job id, then the
    container's chunks as they come)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")

    def health(self) -> bool:
        try:
            status, body = http_json("GET", self.base_url + "/health", timeout=2)
        except OSError:
            return False
        return status == 200

    def request_job(self, containers: list[str], data: Any, requires_proof: bool = False) -> str:
        status, body = http_json("POST", self.base_url + "/api/jobs",
                                 {"containers": containers, "data": data, "requires_proof": requires_proof})
        if status != 200 or not isinstance(body, dict) or "id" not in body:
            raise ClientError(f"POST /api/jobs answered {status}: {body}")
        return body["id"]

    def get_job_result(self, job_id: str) -> dict | None:
        status, body = http_json("GET", f"{self.base_url}/api/jobs?id={job_id}")
        if status != 200 or not isinstance(body, list):
            raise ClientError(f"GET /api/jobs?id={job_id} answered {status}: {body}")
        return body[0] if body else None

    def get_job_result_sync(self, job_id: str, timeout: float = 60) -> dict:
        def done() -> dict | None:
            result = self.get_job_result(job_id)
            return result if result and result.get("status") != "running" else None
        return wait_for(done, timeout, f"job {job_id}", interval=0.05)

    def run(self, containers: list[str], data: Any, timeout: float = 60) -> dict:
        """A job, waited for: the JobResult `{id, status, result: {container, output}}`."""
        return self.get_job_result_sync(self.request_job(containers, data), timeout)

    def stream(self, containers: list[str], data: Any, timeout: float = 60):
        """Yields the job id, then each chunk of text as the node relays it."""
        import http.client
        from urllib.parse import urlsplit
        url = urlsplit(self.base_url)
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=timeout)
        try:
            conn.request("POST", "/api/jobs/stream", body=json.dumps({"containers": containers, "data": data}),
                         headers={"Content-Type": "application/json"})
            response = conn.getresponse()
            if response.status != 200:
                raise ClientError(f"POST /api/jobs/stream answered {response.status}: {response.read()!r}")
            pending = b""
            job_id = None
            while True:
                block = response.read1(65536)
                if not block:
                    break
                if job_id is None:
                    pending += block
                    if b"\n" not in pending:
                        continue
                    head, _, block = pending.partition(b"\n")
                    job_id = head.decode()
                    yield job_id
                if block:
                    yield block.decode(errors="replace")
        finally:
            conn.close()

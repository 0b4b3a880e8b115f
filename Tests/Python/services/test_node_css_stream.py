"""A streamed CSS job through the real Swift node: infernet-css runs as a `command` container
pointed (OPENAI_BASE_URL) at a local fake OpenAI server that streams a chat completion as
OpenAI does (SSE `chat.completion.chunk` events, then `data: [DONE]`). The fake server holds
each piece back until the test has read the previous one from the node's `/api/jobs/stream`
body, so the test only passes if the node relays the text incrementally."""
from __future__ import annotations

import http.client
import http.server
import json
import threading
import time

from nodehelpers import NodeProcess
from svchelpers import free_port

PIECES = ["Once ", "upon ", "a ", "time."]
KEY = "sk-test-node-stream-123"


class FakeOpenAI:
    def __init__(self) -> None:
        self.requests: list[tuple[str, dict, dict]] = []
        self.seen = [threading.Event() for _ in PIECES]   # set by the test as it reads each piece
        self.sent_at: list[float] = []
        self.waits_timed_out = 0
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def chunk(self, text: str) -> None:
                data = text.encode()
                self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                self.wfile.flush()

            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.requests.append((self.path, dict(self.headers), body))
                if self.path != "/v1/chat/completions" or not body.get("stream"):
                    self.send_response(400)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream; charset=utf-8")
                self.send_header("Transfer-Encoding", "chunked")
                self.send_header("Cache-Control", "no-cache")
                self.end_headers()

                def event(delta: dict, finish: str | None = None) -> None:
                    value = {"id": "chatcmpl-node1", "object": "chat.completion.chunk", "created": 1694268190,
                             "model": body["model"], "system_fingerprint": "fp_44709d6fcb",
                             "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]}
                    self.chunk(f"data: {json.dumps(value, separators=(',', ':'))}\n\n")

                event({"role": "assistant", "content": "", "refusal": None})
                for index, piece in enumerate(PIECES):
                    event({"content": piece})
                    fake.sent_at.append(time.monotonic())
                    if not fake.seen[index].wait(15):
                        fake.waits_timed_out += 1
                event({}, "stop")
                self.chunk("data: [DONE]\n\n")
                self.chunk("")

        self.port = free_port()
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        for event in self.seen:
            event.set()
        self.server.shutdown()
        self.server.server_close()


def test_css_stream_through_the_node(tmp_path):
    fake = FakeOpenAI()
    container = {"id": "css", "command": "infernet-css", "port": free_port(), "external": True,
                 "timeout": 60, "env": {"OPENAI_BASE_URL": f"http://127.0.0.1:{fake.port}",
                                        "CSS_RETRY_TRIES": "1"}}
    # the key comes from the node's environment, as in deploy/config.css.json
    node = NodeProcess(tmp_path / "node", [container], env={"OPENAI_API_KEY": KEY},
                       node={"stream_timeout": 40})
    try:
        node.wait_healthy()
        data = {"provider": "OPENAI", "endpoint": "completions", "model": "gpt-4o-mini",
                "params": {"messages": [{"role": "user", "content": "Tell me a story"}]}}
        # wait until infernet-css listens (the node starts command containers asynchronously)
        deadline = time.monotonic() + 30
        while True:
            conn = http.client.HTTPConnection("127.0.0.1", container["port"], timeout=2)
            try:
                conn.request("GET", "/")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise AssertionError(f"infernet-css never started:\n{node.log_text()}")
                time.sleep(0.1)
            finally:
                conn.close()

        conn = http.client.HTTPConnection("127.0.0.1", node.port, timeout=30)
        conn.request("POST", "/api/jobs/stream", body=json.dumps({"containers": ["css"], "data": data}),
                     headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        assert response.status == 200, response.read()
        received = b""
        reads: list[tuple[float, bytes]] = []
        while True:
            block = response.read1(65536)
            if not block:
                break
            reads.append((time.monotonic(), block))
            received += block
            text = received.decode(errors="replace")
            if "\n" in text:
                streamed = text.split("\n", 1)[1]
                for index in range(len(PIECES)):
                    if streamed.startswith("".join(PIECES[:index + 1])):
                        fake.seen[index].set()
        conn.close()

        job_id, streamed = received.decode().split("\n", 1)
        assert job_id and len(job_id) >= 8, received
        assert streamed == "".join(PIECES)
        # incremental: each piece reached us before the fake server sent the next one (it waits)
        assert fake.waits_timed_out == 0, reads
        assert len(reads) >= len(PIECES) + 1, reads       # the id line, then a read per piece at least
        assert all(reads[i][0] <= reads[i + 1][0] for i in range(len(reads) - 1))
        # the upstream request: OpenAI's path, the key from the node's environment, stream=true
        path, headers, body = fake.requests[-1]
        assert path == "/v1/chat/completions" and body["stream"] is True and body["model"] == "gpt-4o-mini"
        assert body["messages"] == data["params"]["messages"]
        assert {k.lower(): v for k, v in headers.items()}["authorization"] == f"Bearer {KEY}"
        # the stored result is the concatenated text
        job = node.result(job_id, timeout=15)
        assert job["status"] == "success", job
        assert job["result"]["container"] == "css" and job["result"]["output"] == {"output": "".join(PIECES)}, job
    finally:
        node.stop()
        fake.stop()

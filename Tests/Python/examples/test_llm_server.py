"""The local stand-in for OpenAI's and TGI's HTTP APIs (examples/common/llm_server.py): their
wire formats, its key check, its errors, and that its text is its model's (`complete`)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from examplehelpers import ROOT

KEY = "sk-local-test-key"


@pytest.fixture(scope="module")
def server():
    proc = subprocess.Popen([sys.executable, "-m", "examples.common.llm_server", "--port", "0"], cwd=ROOT,
                            stdout=subprocess.PIPE, env={**os.environ, "LOCAL_OPENAI_API_KEY": KEY,
                                                         "PYTHONPATH": str(ROOT)})
    line = proc.stdout.readline().decode()
    assert line.startswith("LLM SERVER READY "), line
    yield f"http://127.0.0.1:{int(line.split()[-1])}"
    proc.terminate()
    proc.wait(10)
    proc.stdout.close()


def post(url: str, body: object, headers: dict | None = None) -> tuple[int, bytes, str]:
    request = urllib.request.Request(url, json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read(), response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers.get("Content-Type", "")


def events(raw: bytes) -> list[str]:
    return [line[len("data:"):].strip() for line in raw.decode().split("\n\n") if line.startswith("data:")]


def test_complete_depends_on_the_prompt():
    from examples.common.llm_server import complete
    assert complete("Tell me about the node") == complete("Tell me about the node")
    assert complete("Tell me about the node") != complete("Write a story about the chain")
    assert len(complete("What is Infernet?", 8).split()) <= 8


def test_openai_chat_completions(server):
    from examples.common.llm_server import complete
    body = {"model": "gpt-4o", "messages": [{"role": "system", "content": "Be brief."},
                                            {"role": "user", "content": "What is a node?"}]}
    status, raw, kind = post(server + "/v1/chat/completions", body, {"Authorization": f"Bearer {KEY}"})
    assert status == 200 and kind == "application/json"
    answer = json.loads(raw)
    assert answer["object"] == "chat.completion" and answer["model"] == "gpt-4o"
    assert answer["choices"][0]["message"] == {"role": "assistant", "content": complete("What is a node?"),
                                               "refusal": None}
    assert answer["usage"]["total_tokens"] == answer["usage"]["prompt_tokens"] + answer["usage"]["completion_tokens"]
    # streamed: chat.completion.chunk events, then [DONE]
    status, raw, kind = post(server + "/v1/chat/completions", {**body, "stream": True},
                             {"Authorization": f"Bearer {KEY}"})
    assert status == 200 and kind == "text/event-stream"
    data = events(raw)
    assert data[-1] == "[DONE]"
    chunks = [json.loads(d) for d in data[:-1]]
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    assert "".join(c["choices"][0]["delta"].get("content", "") for c in chunks) == complete("What is a node?")
    assert chunks[-1]["choices"][0]["finish_reason"] in ("stop", "length")


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer sk-wrong"}])
def test_openai_refuses_a_bad_key(server, headers):
    status, raw, _ = post(server + "/v1/chat/completions",
                          {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}, headers)
    assert status == 401
    error = json.loads(raw)["error"]
    assert error["code"] == "invalid_api_key" and error["type"] == "invalid_request_error"
    assert "sk-wrong" not in error["message"]


def test_openai_names_a_bad_field(server):
    status, raw, _ = post(server + "/v1/chat/completions", {"model": "gpt-4o", "messages": []},
                          {"Authorization": f"Bearer {KEY}"})
    assert status == 400 and json.loads(raw)["error"]["param"] == "messages"


def test_tgi_generate_and_stream(server):
    from examples.common.llm_server import complete
    with urllib.request.urlopen(server + "/info", timeout=10) as response:
        assert json.loads(response.read())["model_id"]
    body = {"inputs": "Tell me about the chain", "parameters": {"max_new_tokens": 12}}
    status, raw, _ = post(server + "/generate", body)
    assert status == 200 and json.loads(raw) == {"generated_text": complete("Tell me about the chain", 12)}
    status, raw, kind = post(server + "/generate_stream", body)
    assert status == 200 and kind == "text/event-stream"
    data = [json.loads(d) for d in events(raw)]
    assert "".join(d["token"]["text"] for d in data if not d["token"]["special"]) == complete("Tell me about the chain", 12)
    assert data[-1]["generated_text"] == complete("Tell me about the chain", 12) and data[-1]["token"]["special"]
    status, raw, _ = post(server + "/generate", {"inputs": ""})
    assert status == 422 and "inputs" in json.loads(raw)["error"]

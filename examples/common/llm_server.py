"""A local stand-in for the hosted LLM APIs the tgi-llm and gpt4 examples call, which cannot be
reached from here. It speaks their exact wire formats:

- OpenAI: `POST /v1/chat/completions` (a `chat.completion` object; with `"stream": true`,
  server-sent `chat.completion.chunk` events then `data: [DONE]`), `Authorization: Bearer` checked
  against $LOCAL_OPENAI_API_KEY (a 401 in OpenAI's error shape otherwise);
- Hugging Face text-generation-inference: `GET /info`, `POST /generate` (`{"generated_text"}`),
  `POST /generate_stream` (server-sent `{"index", "token": {...}, "generated_text", "details"}`
  events, the last with the whole text).

The text comes from a small real language model, trained when the server starts: a word bigram
model over the corpus below, sampled with a generator seeded by the prompt, so one prompt always
gets one completion (`complete(prompt, n)` is what the examples' tests compare with). It is a
toy, not GPT-4: point the examples at the real APIs to get real answers (see their READMEs).

Usage: python -m examples.common.llm_server [--port 0]  -> prints "LLM SERVER READY <port>"
"""
from __future__ import annotations

import argparse
import hashlib
import http.server
import json
import os
import random
import re
import sys
import time
import uuid
from collections import Counter, defaultdict

MODEL_NAME = "local/bigram-lm"
DEFAULT_MAX_TOKENS = 32

CORPUS = """
Infernet is a network of nodes that run computation off chain for smart contracts.
A smart contract asks for a computation and a node runs the container and delivers the result on chain.
The coordinator contract keeps the subscriptions and checks every delivery.
A node watches the chain for new subscriptions and runs the containers that it serves.
The container runs a model and the node signs a transaction that delivers the output to the contract.
Developers write a consumer contract that requests a computation and receives the result in a callback.
The result of the model is stored by the contract and anyone can read it on chain.
A model can classify a flower or draw a digit or write a story about the chain.
The node also answers requests through its REST API so that a client can run jobs off chain.
A client sends a job request with the containers and the data and reads the result when the job is done.
Streaming sends the text of the model to the client as it is generated.
Every node keeps its private key safe and never writes it into a log.
Beautiful is better than ugly and explicit is better than implicit.
Simple is better than complex and complex is better than complicated.
Readability counts and errors should never pass silently.
Now is better than never and good morning to the chain and to every node.
"""


def words(text: str) -> list[str]:
    return re.findall(r"[A-Za-z0-9']+|[.,!?]", text)


class BigramModel:
    """Next-word counts over the corpus; generation samples them with a prompt-seeded RNG."""

    def __init__(self, corpus: str = CORPUS) -> None:
        self.successors: dict[str, Counter] = defaultdict(Counter)
        tokens = words(corpus.lower())
        for first, second in zip(tokens, tokens[1:]):
            self.successors[first][second] += 1
        self.starts = Counter(t for prev, t in zip(["."] + tokens, tokens) if prev == "." and t != ".")

    def tokens(self, prompt: str, max_tokens: int) -> list[str]:
        """The completion as pieces of text (each word with its leading space)."""
        rng = random.Random(int.from_bytes(hashlib.sha256(f"{prompt}\0{max_tokens}".encode()).digest()[:8], "big"))
        known = [w for w in words(prompt.lower()) if w in self.successors and w not in ".,!?"]
        current = known[-1] if known else rng.choice(sorted(self.starts))
        out: list[str] = []
        for _ in range(max(0, max_tokens)):
            options = self.successors.get(current)
            if not options:
                break
            choices = sorted(options)
            current = rng.choices(choices, weights=[options[c] for c in choices])[0]
            shown = current.capitalize() if out and out[-1] == "." else current
            out.append(shown if current in ".,!?" or not out else " " + shown)
            if current == "." and len(out) >= max_tokens // 2:
                break
        if out:
            out[0] = out[0].lstrip().capitalize()
        return out


MODEL = BigramModel()


def complete(prompt: str, max_tokens: int = DEFAULT_MAX_TOKENS) -> str:
    """What the server answers for `prompt` (OpenAI: the last user message)."""
    return "".join(MODEL.tokens(prompt, max_tokens))


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    api_key = ""

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        pass

    # -- plumbing ---------------------------------------------------------------------------

    def send_json(self, status: int, value: object) -> None:
        body = json.dumps(value).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def start_events(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

    def event(self, text: str) -> None:
        data = f"data:{text}\n\n".encode()
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()
        time.sleep(0.02)     # tokens arrive one by one, as from a real server

    def end_events(self) -> None:
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def read_json(self) -> dict | None:
        try:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"null")
        except ValueError:
            body = None
        return body if isinstance(body, dict) else None

    # -- routes -----------------------------------------------------------------------------

    def do_GET(self) -> None:  # noqa: N802
        if self.path == "/info":
            self.send_json(200, {"model_id": MODEL_NAME, "model_sha": None, "model_dtype": "float32",
                                 "model_device_type": "cpu", "model_pipeline_tag": "text-generation",
                                 "max_concurrent_requests": 128, "max_best_of": 2, "max_stop_sequences": 4,
                                 "max_input_tokens": 1024, "max_total_tokens": 2048, "validation_workers": 2,
                                 "version": "2.0.0", "sha": None, "docker_label": None})
        elif self.path == "/health":
            self.send_json(200, {})
        else:
            self.send_json(404, {"error": f"no route {self.path}"})

    def do_POST(self) -> None:  # noqa: N802
        body = self.read_json()
        if self.path == "/v1/chat/completions":
            self.openai(body)
        elif self.path in ("/generate", "/generate_stream"):
            self.tgi(body, stream=self.path == "/generate_stream")
        else:
            self.send_json(404, {"error": f"no route {self.path}"})

    def openai_error(self, status: int, message: str, kind: str, code: str | None, param: str | None = None) -> None:
        self.send_json(status, {"error": {"message": message, "type": kind, "param": param, "code": code}})

    def openai(self, body: dict | None) -> None:
        supplied = self.headers.get("Authorization", "")
        if not self.api_key or supplied != f"Bearer {self.api_key}":
            self.openai_error(401, "Incorrect API key provided. You can find your API key at "
                                   "https://platform.openai.com/account/api-keys.", "invalid_request_error",
                              "invalid_api_key")
            return
        if body is None:
            self.openai_error(400, "We could not parse the JSON body of your request.", "invalid_request_error", None)
            return
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages or not all(
                isinstance(m, dict) and isinstance(m.get("content"), str) for m in messages):
            self.openai_error(400, "Invalid 'messages': expected a non-empty array of messages.",
                              "invalid_request_error", None, "messages")
            return
        model = body.get("model")
        if not isinstance(model, str) or not model:
            self.openai_error(400, "you must provide a model parameter", "invalid_request_error", None, "model")
            return
        max_tokens = body.get("max_completion_tokens") or body.get("max_tokens") or DEFAULT_MAX_TOKENS
        prompt = next((m["content"] for m in reversed(messages) if m.get("role") == "user"), messages[-1]["content"])
        pieces = MODEL.tokens(prompt, int(max_tokens))
        finish = "length" if len(pieces) >= int(max_tokens) else "stop"
        ident, created = "chatcmpl-" + uuid.uuid4().hex[:24], int(time.time())
        if body.get("stream"):
            self.start_events()

            def chunk(delta: dict, reason: str | None = None) -> None:
                self.event(json.dumps({"id": ident, "object": "chat.completion.chunk", "created": created,
                                       "model": model, "system_fingerprint": "fp_local",
                                       "choices": [{"index": 0, "delta": delta, "logprobs": None,
                                                    "finish_reason": reason}]}, separators=(",", ":")))
            chunk({"role": "assistant", "content": "", "refusal": None})
            for piece in pieces:
                chunk({"content": piece})
            chunk({}, finish)
            self.event("[DONE]")
            self.end_events()
            return
        prompt_tokens = sum(len(words(m["content"])) for m in messages)
        self.send_json(200, {"id": ident, "object": "chat.completion", "created": created, "model": model,
                             "system_fingerprint": "fp_local",
                             "choices": [{"index": 0, "message": {"role": "assistant", "content": "".join(pieces),
                                                                  "refusal": None},
                                          "logprobs": None, "finish_reason": finish}],
                             "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": len(pieces),
                                       "total_tokens": prompt_tokens + len(pieces)}})

    def tgi(self, body: dict | None, stream: bool) -> None:
        if body is None or not isinstance(body.get("inputs"), str) or not body["inputs"]:
            self.send_json(422, {"error": "Input validation error: `inputs` must be a non-empty string",
                                 "error_type": "validation"})
            return
        parameters = body.get("parameters") or {}
        max_new_tokens = int(parameters.get("max_new_tokens") or 20)
        pieces = MODEL.tokens(body["inputs"], max_new_tokens)
        text = "".join(pieces)
        if not stream:
            self.send_json(200, {"generated_text": text})
            return
        self.start_events()
        for index, piece in enumerate(pieces):
            token = {"id": 1000 + index, "text": piece, "logprob": -1.0, "special": False}
            self.event(json.dumps({"index": index + 1, "token": token, "generated_text": None, "details": None}))
        end = {"id": 2, "text": "</s>", "logprob": 0.0, "special": True}
        self.event(json.dumps({"index": len(pieces) + 1, "token": end, "generated_text": text,
                               "details": {"finish_reason": "eos_token", "generated_tokens": len(pieces) + 1,
                                           "seed": None}}))
        self.end_events()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args(argv)
    Handler.api_key = os.environ.get("LOCAL_OPENAI_API_KEY", "")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    print(f"LLM SERVER READY {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    sys.exit(0)


if __name__ == "__main__":
    main()

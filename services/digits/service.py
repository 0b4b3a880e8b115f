"""The prompt-to-nft image service: a prompt in ("draw a 7"), a PNG of that digit out, stored
content-addressed (its sha256 is its name) in a directory this service also serves over HTTP
(`GET /store/<sha256>`), like an Arweave gateway serves a transaction's data.

Off-chain (`source` 1): `{"prompt": "draw a 7"[, "seed": int]}` ->
`{"digit", "sha256", "uri", "size"}`. On-chain (`source` 0): `data` is the hex of
`abi.encode(string prompt, address to)` (the tutorial's input); `raw_output` is
`abi.encode(string uri, bytes32 sha256)`, for the NFT contract to mint with.
The seed defaults to one derived from the prompt and the recipient, so a request is repeatable.

Environment: STORE_DIR (default ~/.cache/ritual/images), STORE_URL (default
http://HOST:PORT/store: the public base of the URIs), plus the services' PORT/HOST/LOG_LEVEL.
"""
from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import Any

from aiohttp import web
from eth_abi import decode as abi_decode, encode as abi_encode

from ..common.app import ONCHAIN, Service, ServiceRequest, build_app as build_service_app
from ..common.errors import bad_request
from ..common.inference import five_keys, hex_bytes
from .model import WORDS, DigitGenerator, digit_in, png, upscale

HASH = re.compile(r"^[0-9a-f]{64}$")


class DigitsService(Service):
    service_id = "digits"
    version = "1.0.0"
    greeting = "prompt-to-nft digit image service: POST /service_output, GET /store/<sha256>"

    def __init__(self) -> None:
        self.store = Path(os.getenv("STORE_DIR", "~/.cache/ritual/images")).expanduser()
        host, port = os.getenv("HOST", "127.0.0.1"), os.getenv("PORT", "3000")
        self.store_url = os.getenv("STORE_URL", f"http://{host}:{port}/store").rstrip("/")
        self.generator: DigitGenerator | None = None

    def preload(self) -> None:
        self.store.mkdir(parents=True, exist_ok=True)
        self.generator = DigitGenerator()

    def draw(self, prompt: Any, seed: int) -> dict:
        if not isinstance(prompt, str) or not prompt.strip():
            raise bad_request("invalid field 'prompt': expected a non-empty string such as \"draw a 7\"")
        digit = digit_in(prompt)
        if digit is None:
            raise bad_request(f"invalid field 'prompt': it names no digit (0-9 or {', '.join(WORDS)}): {prompt[:100]!r}")
        if self.generator is None:
            self.preload()
        assert self.generator is not None
        image = png(upscale(self.generator.draw(digit, seed)))
        digest = hashlib.sha256(image).hexdigest()
        path = self.store / digest
        if not path.exists():
            temporary = path.with_suffix(".tmp")
            temporary.write_bytes(image)
            temporary.replace(path)
        return {"digit": digit, "sha256": digest, "uri": f"{self.store_url}/{digest}", "size": len(image)}

    def handle(self, request: ServiceRequest) -> Any:
        if request.source == ONCHAIN:
            text, raw = hex_bytes(request.data)
            try:
                prompt, to = abi_decode(["string", "address"], raw)
            except Exception as error:
                raise bad_request(f"invalid field 'data': expected abi.encode(string prompt, address to): {error}") from None
            seed = int.from_bytes(hashlib.sha256(f"{prompt}\0{to.lower()}".encode()).digest()[:8], "big")
            drawn = self.draw(prompt, seed)
            output = abi_encode(["string", "bytes32"], [drawn["uri"], bytes.fromhex(drawn["sha256"])])
            if request.destination == ONCHAIN:
                return five_keys(text, output)
            return drawn
        data = request.data
        if not isinstance(data, dict):
            raise bad_request("invalid field 'data': expected an object {\"prompt\": ...}")
        seed = data.get("seed")
        if seed is None:
            seed = int.from_bytes(hashlib.sha256(str(data.get("prompt")).encode()).digest()[:8], "big")
        elif isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise bad_request(f"invalid field 'data.seed': expected a non-negative integer, got {seed!r}")
        drawn = self.draw(data.get("prompt"), seed)
        if request.destination == ONCHAIN:
            return five_keys("", abi_encode(["string", "bytes32"], [drawn["uri"], bytes.fromhex(drawn["sha256"])]))
        return drawn


def build_app(service: Service, threads: int | None = None) -> web.Application:
    """The services' app plus `GET /store/<sha256>`: the stored PNGs, read-only."""
    app = build_service_app(service, threads)
    assert isinstance(service, DigitsService)

    async def stored(request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        if not HASH.match(name):
            return web.json_response({"code": 400, "name": "Bad Request",
                                      "description": "expected /store/<sha256 as 64 lowercase hex digits>"}, status=400)
        path = service.store / name
        if not path.is_file():
            return web.json_response({"code": 404, "name": "Not Found", "description": f"no image {name}"}, status=404)
        return web.Response(body=path.read_bytes(), content_type="image/png",
                            headers={"Cache-Control": "public, max-age=31536000, immutable"})

    app.router.add_get("/store/{name}", stored)
    return app


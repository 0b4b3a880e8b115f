"""The prompt-to-nft image service (services/digits) as a real process: "draw a 7" draws a 7 (a
digits classifier trained on scikit-learn's digits reads the PNG), images stored by their sha256
and served back over HTTP, the on-chain encoding, and every bad input answered with a 400."""
from __future__ import annotations

import hashlib
import urllib.error
import urllib.request

import numpy as np
import pytest
from eth_abi import decode, encode

from services.digits.model import DigitGenerator, digit_in, png, read_png, upscale
from svchelpers import ServiceProcess


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    """One service process for the module; its store in a temporary directory."""
    directory = tmp_path_factory.mktemp("digits")
    process = ServiceProcess("services.digits", {"STORE_DIR": str(directory / "store"), "LOG_LEVEL": "WARNING"},
                             directory / "service.log")
    process.store = directory / "store"
    yield process
    process.stop()


@pytest.fixture(scope="module")
def classifier():
    from sklearn.datasets import load_digits
    from sklearn.svm import SVC
    digits = load_digits()
    return SVC(gamma=0.001).fit(digits.data, digits.target)


def read_digit(classifier, image: bytes) -> int:
    pixels = read_png(image).astype(float)
    ink = (255 - pixels) * 16 / 255
    n = pixels.shape[0] // 8
    return int(classifier.predict(ink.reshape(8, n, 8, n).mean(axis=(1, 3)).reshape(1, -1))[0])


def test_prompts_name_digits():
    assert digit_in("draw a 7") == 7
    assert digit_in("please draw the number seven") == 7
    assert digit_in("Zero, please") == 0
    assert digit_in("a 3 and a 5") == 3
    assert digit_in("draw a cat") is None
    assert digit_in("someone") is None      # a number word only as a whole word


def test_generator_draws_the_digit_asked_for(classifier):
    generator = DigitGenerator()
    read = [[read_digit(classifier, png(upscale(generator.draw(d, seed)))) for seed in range(10)]
            for d in range(10)]
    correct = sum(r == d for d, row in enumerate(read) for r in row)
    assert correct >= 90, read                          # of 100 drawings
    assert all(sum(r == d for r in row) >= 7 for d, row in enumerate(read)), read
    # a seed is a different drawing; the same seed the same one
    assert not np.array_equal(generator.draw(7, 1), generator.draw(7, 2))
    assert np.array_equal(generator.draw(7, 1), generator.draw(7, 1))


def fetch(url: str) -> tuple[int, bytes, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read(), response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers.get("Content-Type", "")


def test_service_draws_stores_and_serves(service, classifier):
    store = service.store
    status, body = service.post({"source": 1, "destination": 1, "data": {"prompt": "draw a 7", "seed": 5}})
    assert status == 200, body
    assert body["digit"] == 7 and body["uri"] == f"{service.base}/store/{body['sha256']}"
    status, image, kind = fetch(body["uri"])
    assert status == 200 and kind == "image/png"
    assert hashlib.sha256(image).hexdigest() == body["sha256"] and len(image) == body["size"]
    assert (store / body["sha256"]).read_bytes() == image
    assert read_digit(classifier, image) == 7
    # on-chain: abi.encode(string prompt, address to) in, abi.encode(string uri, bytes32 sha256) out
    data = encode(["string", "address"], ["draw a four", "0x" + "11" * 20]).hex()
    status, body = service.post({"source": 0, "destination": 0, "data": data, "requires_proof": False})
    assert status == 200, body
    assert body["raw_input"] == data and body["processed_output"] == "" and body["proof"] == ""
    uri, digest = decode(["string", "bytes32"], bytes.fromhex(body["raw_output"]))
    status, image, _ = fetch(uri)
    assert status == 200 and hashlib.sha256(image).digest() == digest
    assert read_digit(classifier, image) == 4
    # the same request draws the same image (the seed comes from the prompt and the recipient)
    assert service.post({"source": 0, "destination": 0, "data": data})[1]["raw_output"] == body["raw_output"]


@pytest.mark.parametrize("payload, words", [
    ({"source": 1, "destination": 1, "data": {"prompt": "draw a cat"}}, "names no digit"),
    ({"source": 1, "destination": 1, "data": {"prompt": ""}}, "'prompt'"),
    ({"source": 1, "destination": 1, "data": {}}, "'prompt'"),
    ({"source": 1, "destination": 1, "data": "draw a 7"}, "'data'"),
    ({"source": 1, "destination": 1, "data": {"prompt": "draw a 7", "seed": -1}}, "'data.seed'"),
    ({"source": 0, "destination": 0, "data": "zz"}, "hex"),
    ({"source": 0, "destination": 0, "data": "00" * 40}, "abi.encode(string prompt, address to)"),
    ({"source": 1, "destination": 2, "data": {"prompt": "draw a 7"}}, "stream"),
])
def test_bad_input_is_a_400_naming_it(service, payload, words):
    status, body = service.post(payload)
    assert status == 400, body
    assert body["code"] == 400 and words in body["description"], body
    assert service.alive()


def test_store_route_refuses_bad_names(service):
    status, body, _ = fetch(service.base + "/store/not-a-hash")
    assert status == 400 and b"sha256" in body
    status, body, _ = fetch(service.base + "/store/" + "0" * 64)
    assert status == 404
    status, body, _ = fetch(service.base + "/store/..%2F..%2Fetc%2Fpasswd")
    assert status in (400, 404)

"""Each example's one command (examples/<name>/run.sh), run against one shared devnet, and what
it delivered checked on chain by this test itself (eth_call on the example's consumer)."""
from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

from eth_abi import decode

from examplehelpers import DEVNET_KEYS, ROOT, bin_dir


def requester() -> str:
    from eth_account import Account
    return Account.from_key(DEVNET_KEYS[3]).address


def test_hello_world(run_example, chain):
    result, output = run_example("hello-world", "--message", "Good morning!", node_key=4)
    sid, consumer = result["subscription"], result["consumer"]
    assert chain.call(consumer, "receivedCount(uint32)", [sid], ["uint256"]) == 1
    (greeting,) = decode(["string"], chain.call(consumer, "greeting(uint32)", [sid], ["bytes"]))
    # the hello-world container answers with the request it saw: the input from SaysGM.sayGM
    assert "hello, world!, your input was:" in greeting, greeting
    assert f"'data': '{'Good morning!'.encode().hex()}'" in greeting, greeting
    assert greeting == result["greeting"]
    rest = result["rest"]["output"]["output"]
    assert rest.startswith("hello, world!, your input was:") and "'data': {'some': 'input'}" in rest, result
    assert f"SaysGM.greeting({sid})" in output


def test_hello_world_standalone(tmp_path):
    """The one command as a newcomer runs it: its own devnet, node, request, result, stop."""
    env = {**os.environ, "INFERNET_BIN_DIR": bin_dir()}
    done = subprocess.run(["bash", str(ROOT / "examples" / "hello-world" / "run.sh"), "--json-out",
                           str(tmp_path / "out.json")], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, (done.stdout + done.stderr)[-6000:]
    assert "hello, world!" in done.stdout and "== stopping node, devnet" in done.stdout, done.stdout


def check_iris(chain, result: dict, expected: int) -> None:
    sid, consumer = result["subscription"], result["consumer"]
    assert chain.call(consumer, "classified(uint32)", [sid], ["bool"]) is True
    assert chain.call(consumer, "predictedClass(uint32)", [sid], ["uint8"]) == expected
    probabilities = chain.call(consumer, "probabilities(uint32)", [sid], ["int128[3]"])
    assert abs(sum(probabilities) - 10**6) <= 10, probabilities      # fixed point, 6 decimals
    assert max(range(3), key=lambda i: probabilities[i]) == expected
    assert probabilities[expected] > 5 * 10**5, probabilities
    assert list(probabilities) == result["probabilities_e6"]
    # the REST job classified one flower of each species
    assert result["rest"]["classes"] == [0, 1, 2], result["rest"]


def test_onnx_iris(run_example, chain):
    result, _ = run_example("onnx-iris", "--features", "63,33,60,25", node_key=5)    # a virginica
    check_iris(chain, result, 2)


def test_torch_iris(run_example, chain):
    result, _ = run_example("torch-iris", "--features", "51,35,14,2", node_key=6)    # a setosa
    check_iris(chain, result, 0)


def test_gpt4(run_example, chain):
    from examples.common.llm_server import complete
    prompt = "What does a node do?"
    result, output = run_example("gpt4", "--prompt", prompt, node_key=7)
    expected = complete(prompt)
    assert len(expected.split()) >= 5, expected
    completion = chain.call(result["consumer"], "completion(uint32)", [result["subscription"]], ["string"])
    assert completion == expected
    assert result["rest"]["output"] == expected
    assert result["stream"]["text"] == expected and result["stream"]["chunks"] >= 2, result["stream"]


def test_tgi_llm(run_example, chain):
    from examples.common.llm_server import complete
    prompt = "Tell me about the chain"
    result, _ = run_example("tgi-llm", "--prompt", prompt, node_key=8)
    expected = complete(prompt, result["max_new_tokens"])
    text = chain.call(result["consumer"], "generatedText(uint32)", [result["subscription"]], ["string"])
    assert text == expected
    assert result["rest"]["output"] == expected
    assert result["stream"]["text"] == expected and result["stream"]["chunks"] >= 2, result["stream"]


CLASSIFY = r"""
import sys
sys.path.insert(0, sys.argv[1])
import numpy as np
from sklearn.datasets import load_digits
from sklearn.svm import SVC
from services.digits.model import read_png
digits = load_digits()
classifier = SVC(gamma=0.001).fit(digits.data, digits.target)
for path in sys.argv[2:]:
    pixels = read_png(open(path, "rb").read()).astype(float)
    ink = (255 - pixels) * 16 / 255
    n = pixels.shape[0] // 8
    print(int(classifier.predict(ink.reshape(8, n, 8, n).mean(axis=(1, 3)).reshape(1, -1))[0]))
"""


def services_python() -> str:
    if os.environ.get("INFERNET_SERVICES_VENV"):
        return str(Path(os.environ["INFERNET_SERVICES_VENV"]) / "bin" / "python")
    out = subprocess.run(["bash", str(ROOT / "scripts" / "setup.sh"), "--services"], capture_output=True,
                         text=True, check=True)
    return out.stdout.strip().splitlines()[-1] + "/bin/python"


def test_prompt_to_nft(run_example, chain, tmp_path):
    images, store = tmp_path / "images", tmp_path / "store"
    result, output = run_example("prompt-to-nft", "--prompt", "draw a 7", "--image-dir", str(images),
                                 "--store", str(store), node_key=9)
    nft, sid = result["consumer"], result["subscription"]
    token = chain.call(nft, "tokenOfSubscription(uint32)", [sid], ["uint256"])
    assert token >= 1
    assert chain.call(nft, "ownerOf(uint256)", [token], ["address"]).lower() == requester().lower()
    assert chain.call(nft, "balanceOf(address)", [requester()], ["uint256"]) == 1
    uri = chain.call(nft, "tokenURI(uint256)", [token], ["string"])
    digest = chain.call(nft, "contentHash(uint256)", [token], ["bytes32"]).hex()
    assert chain.call(nft, "supportsInterface(bytes4)", [bytes.fromhex("80ac58cd")], ["bool"]) is True
    # content-addressed: the URI names the hash; the stored file and the written PNG hash to it
    assert uri.endswith("/store/" + digest), uri
    stored = (store / digest).read_bytes()
    assert hashlib.sha256(stored).hexdigest() == digest
    image = Path(result["image_path"])
    assert image.parent == images and image.read_bytes() == stored
    assert stored[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"image: {image}" in output
    # "draw a 7" drew a 7: a digits classifier trained on scikit-learn's digits says so
    # (and the REST job's "draw a 3", stored in the same store, a 3)
    assert result["rest"]["digit"] == 3
    rest_image = store / result["rest"]["sha256"]
    assert hashlib.sha256(rest_image.read_bytes()).hexdigest() == result["rest"]["sha256"]
    done = subprocess.run([services_python(), "-c", CLASSIFY, str(ROOT), str(image), str(rest_image)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["7", "3"], done.stdout

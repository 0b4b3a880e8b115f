"""The "Prompt to NFT" tutorial, end to end: an image service (services/digits: a conditional
generator trained at start on scikit-learn's digits, "draw a 7" draws a 7) that stores each PNG
content-addressed and serves it over HTTP, run by infernet-node as a `command` container; the
DigitNFT ERC-721 contract (Vyper) that mints to the requester with the image's URI when the node
delivers. A job through the REST API, then DigitNFT.mint() on chain; the minted token read back,
its image fetched from its tokenURI, checked against its on-chain sha256 and written as a PNG.
Run: examples/prompt-to-nft/run.sh (see README.md)."""
from __future__ import annotations

import hashlib
import struct
import sys
import urllib.request
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from examples.common import ExampleError, Session, argument_parser, setup_python, step  # noqa: E402

NAME = "prompt-to-nft"


def fetch(uri: str) -> bytes:
    with urllib.request.urlopen(uri, timeout=30) as response:
        return response.read()


def preview(png: bytes, columns: int = 32) -> str:
    """The image as text (a greyscale 8-bit PNG, as the service writes)."""
    width, height = struct.unpack(">II", png[16:24])
    pos, idat = 8, b""
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos:pos + 4])
        if png[pos + 4:pos + 8] == b"IDAT":
            idat += png[pos + 8:pos + 8 + length]
        pos += 12 + length
    raw = zlib.decompress(idat)
    step_x = max(1, width // columns)
    step_y = step_x * 2
    shades = " .:-=+*#%@"
    lines = []
    for y in range(0, height, step_y):
        row = raw[y * (width + 1) + 1:(y + 1) * (width + 1)]
        lines.append("".join(shades[min(9, (255 - row[x]) * 10 // 256)] for x in range(0, width, step_x)))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argument_parser(__doc__)
    ap.add_argument("--prompt", default="draw a 7", help="what to draw (a digit, 0-9 or zero..nine)")
    ap.add_argument("--to", default="", help="who gets the token (default: the requester)")
    ap.add_argument("--image-dir", default=".", help="where to write the token's PNG (default: here)")
    ap.add_argument("--store", default="", help="the image store directory (default: in the work directory)")
    args = ap.parse_args(argv)
    with Session(NAME, args) as s:
        services_python = setup_python(services=True)
        s.start_chain()
        step("deploying the consumer contract DigitNFT.vy (ERC-721)")
        nft = s.deploy(HERE / "DigitNFT.vy", s.addresses["registry"], NAME)

        store = Path(args.store).resolve() if args.store else s.work / "store"
        store.mkdir(parents=True, exist_ok=True)
        # config.json's container (services/bin/infernet-digits) with a local store
        container = s.container(HERE, NAME, env={"INFERNET_SERVICES_VENV": str(Path(services_python).parent.parent),
                                                 "STORE_DIR": str(store)})
        port = container["port"]
        container["env"]["STORE_URL"] = f"http://127.0.0.1:{port}/store"
        s.start_node([container])
        print(f"image store: {store} (served at http://127.0.0.1:{port}/store/<sha256>)")

        step(f"off-chain: POST /api/jobs {{containers: [{NAME}], data: {{prompt: 'draw a 3'}}}}")
        job = s.wait_container(NAME, {"prompt": "draw a 3"})
        drawn = job["result"]["output"]
        image = fetch(drawn["uri"])
        if hashlib.sha256(image).hexdigest() != drawn["sha256"]:
            raise ExampleError(f"{drawn['uri']} does not hold the image the service reported")
        print(f"job {job['id']}: digit {drawn['digit']}, {drawn['size']} bytes at {drawn['uri']}")
        s.result["rest"] = {"job_id": job["id"], **drawn}

        requester = s.w3.eth.account.from_key(s.key("requester")).address
        to = s.w3.to_checksum_address(args.to) if args.to else requester
        step(f"on-chain: DigitNFT.mint({args.prompt!r}, {to})")
        sid, receipt, seconds = s.request(nft, nft.functions.mint(args.prompt, to))
        token = nft.functions.tokenOfSubscription(sid).call()
        if token == 0:
            raise ExampleError(f"subscription {sid} was delivered but no token was minted")
        owner = nft.functions.ownerOf(token).call()
        uri = nft.functions.tokenURI(token).call()
        digest = nft.functions.contentHash(token).call().hex()
        s.report_delivery(sid, receipt, seconds)
        print(f"DigitNFT token {token}: ownerOf = {owner}, tokenURI = {uri}, contentHash = {digest}")
        image = fetch(uri)
        if hashlib.sha256(image).hexdigest() != digest:
            raise ExampleError(f"the image at {uri} does not match the token's contentHash")
        out = Path(args.image_dir).resolve() / f"prompt-to-nft-token-{token}.png"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(image)
        print(preview(image))
        print(f"image: {out} ({len(image)} bytes, sha256 matches the token)")
        s.result.update({"subscription": sid, "prompt": args.prompt, "token_id": token, "owner": owner,
                         "token_uri": uri, "content_hash": digest, "image_path": str(out),
                         "store": str(store)})
        s.finish()


if __name__ == "__main__":
    main()

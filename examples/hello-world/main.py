"""The hello-world tutorial, end to end: a devnet with the Infernet SDK contracts, the SaysGM
consumer (Vyper) deployed on it, infernet-node serving the hello-world container, a job through
the node's REST API, then SaysGM.sayGM() on chain and the delivered greeting read back from the
contract. Run: examples/hello-world/run.sh [--bin DIR] (see README.md)."""
from __future__ import annotations

import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from eth_abi import decode  # noqa: E402

from examples.common import Session, argument_parser, step  # noqa: E402

CONTAINER = "hello-world"


def main(argv: list[str] | None = None) -> None:
    ap = argument_parser(__doc__)
    ap.add_argument("--message", default="Good morning!", help="what SaysGM sends to the container")
    args = ap.parse_args(argv)
    with Session(CONTAINER, args) as s:
        s.start_chain()
        step("deploying the consumer contract SaysGM.vy")
        says_gm = s.deploy(HERE / "SaysGM.vy", s.addresses["registry"])

        # the container entry of config.json (infernet-hello-world), on a free port
        s.start_node([s.container(HERE, CONTAINER)])

        step("off-chain: POST /api/jobs {containers: [hello-world], data: {some: input}}")
        job = s.wait_container(CONTAINER, {"some": "input"})
        print(f"job {job['id']}: {job['status']}: {job['result']['output']}")
        s.result["rest"] = {"job_id": job["id"], "output": job["result"]["output"]}

        step(f"on-chain: SaysGM.sayGM({args.message!r})")
        sid, receipt, seconds = s.request(says_gm, says_gm.functions.sayGM(args.message))
        raw = says_gm.functions.greeting(sid).call()
        node = says_gm.functions.lastNode(sid).call()
        try:
            (greeting,) = decode(["string"], raw)
        except Exception:  # noqa: BLE001 - not an abi-encoded string: show the bytes
            greeting = "0x" + raw.hex()
        s.report_delivery(sid, receipt, seconds, by=f" by node {node}")
        print(f"SaysGM.greeting({sid}) = {greeting}")
        seen = re.search(r"'data': '([0-9a-f]*)'", greeting)
        if seen:
            print(f"(the container saw the input bytes as {bytes.fromhex(seen.group(1)).decode(errors='replace')!r})")
        s.result.update({"subscription": sid, "greeting": greeting, "node": node})
        s.finish()


if __name__ == "__main__":
    main()

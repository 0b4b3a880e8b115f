"""The "TGI inference" tutorial, end to end: the text-generation-inference client (infernet-tgi)
run by infernet-node as a `command` container, calling a TGI server's /generate and
/generate_stream - here a local server that speaks TGI's exact format
(examples/common/llm_server.py), or a real TGI server with --tgi-url URL (a bearer token from
$TGI_BEARER). A job and a streamed job through the REST API, then Prompter.promptLLM() on chain
and the generated text read back from the contract. Run: examples/tgi-llm/run.sh (see README.md)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from examples.common import Session, argument_parser, start_llm_server, step  # noqa: E402

NAME = "tgi-llm"
MAX_NEW_TOKENS = 32


def main(argv: list[str] | None = None) -> None:
    ap = argument_parser(__doc__)
    ap.add_argument("--prompt", default="Tell me about the node", help="what Prompter asks")
    ap.add_argument("--tgi-url", default="", help="a real TGI server (default: the local server)")
    args = ap.parse_args(argv)
    with Session(NAME, args) as s:
        if args.tgi_url:
            tgi_url = args.tgi_url
        else:
            step("starting the local TGI-format server")
            tgi_url = start_llm_server(s)
        s.start_chain()
        step("deploying the consumer contract Prompter.vy")
        prompter = s.deploy(HERE / "Prompter.vy", s.addresses["registry"], NAME)

        # config.json's container (infernet-tgi) pointed at the TGI server
        s.start_node([s.container(HERE, NAME, env={"TGI_URL": tgi_url, "TGI_PARAMS": json.dumps(
            {"max_new_tokens": MAX_NEW_TOKENS})})])

        data = {"text": args.prompt}
        step(f"off-chain: POST /api/jobs {{containers: [{NAME}], data: {{text: ...}}}}")
        s.text_job(NAME, data)

        step("off-chain, streamed: POST /api/jobs/stream (TGI's /generate_stream, token by token)")
        s.stream_job(NAME, data)

        step(f"on-chain: Prompter.promptLLM({args.prompt!r})")
        sid, receipt, seconds = s.request(prompter, prompter.functions.promptLLM(args.prompt))
        text = prompter.functions.generatedText(sid).call()
        s.report_delivery(sid, receipt, seconds)
        print(f"Prompter.generatedText({sid}) = {text!r}")
        s.result.update({"subscription": sid, "prompt": args.prompt, "generated_text": text,
                         "max_new_tokens": MAX_NEW_TOKENS})
        s.result["tgi_url"] = tgi_url
        s.finish()


if __name__ == "__main__":
    main()

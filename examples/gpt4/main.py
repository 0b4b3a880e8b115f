"""The "GPT-4 inference" tutorial, end to end: the closed-source-model service (infernet-css)
run by infernet-node as a `command` container, calling OpenAI's chat completions API - here a
local server that speaks its exact format (examples/common/llm_server.py), or the real API with
--openai-base-url https://api.openai.com and $OPENAI_API_KEY. A job and a streamed job through
the REST API, then PromptsGPT.promptGPT() on chain and the completion read back from the
contract. Run: examples/gpt4/run.sh (see README.md)."""
from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from examples.common import ExampleError, Session, argument_parser, start_llm_server, step  # noqa: E402

NAME = "gpt4"


def main(argv: list[str] | None = None) -> None:
    ap = argument_parser(__doc__)
    ap.add_argument("--prompt", default="What is Infernet?", help="what PromptsGPT asks")
    ap.add_argument("--model", default="gpt-4o", help="the OpenAI model (default gpt-4o)")
    ap.add_argument("--openai-base-url", default="",
                    help="a real OpenAI-compatible API (its key from $OPENAI_API_KEY); default: the local server")
    args = ap.parse_args(argv)
    with Session(NAME, args) as s:
        if args.openai_base_url:
            base_url = args.openai_base_url
            key = os.environ.get("OPENAI_API_KEY", "")
            if not key:
                raise ExampleError("--openai-base-url needs $OPENAI_API_KEY")
        else:
            step("starting the local OpenAI-format server")
            key = "sk-local-" + secrets.token_hex(16)   # a throwaway key the local server checks
            base_url = start_llm_server(s, {"LOCAL_OPENAI_API_KEY": key})
        s.start_chain()
        step("deploying the consumer contract PromptsGPT.vy")
        prompts = s.deploy(HERE / "PromptsGPT.vy", s.addresses["registry"], NAME, args.model)

        # config.json's container (infernet-css) pointed at the API; the key goes to the node's
        # environment (command containers inherit it), never into the config
        s.start_node([s.container(HERE, NAME, env={"OPENAI_BASE_URL": base_url, "CSS_RETRY_TRIES": "2"})],
                     env={"OPENAI_API_KEY": key})

        data = {"provider": "OPENAI", "endpoint": "completions", "model": args.model,
                "params": {"messages": [{"role": "system", "content": "You are a helpful assistant."},
                                        {"role": "user", "content": args.prompt}]}}
        step(f"off-chain: POST /api/jobs {{containers: [{NAME}], data: {{provider: OPENAI, endpoint: completions, ...}}}}")
        s.text_job(NAME, data)

        step("off-chain, streamed: POST /api/jobs/stream (the text as OpenAI streams it)")
        s.stream_job(NAME, data)

        step(f"on-chain: PromptsGPT.promptGPT({args.prompt!r})")
        sid, receipt, seconds = s.request(prompts, prompts.functions.promptGPT(args.prompt))
        completion = prompts.functions.completion(sid).call()
        s.report_delivery(sid, receipt, seconds)
        print(f"PromptsGPT.completion({sid}) = {completion!r}")
        s.result.update({"subscription": sid, "prompt": args.prompt, "completion": completion})
        s.finish()


if __name__ == "__main__":
    main()

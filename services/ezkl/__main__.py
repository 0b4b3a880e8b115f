"""`python -m services.ezkl`                 serve (PORT, HOST; see service.py)
`python -m services.ezkl prepare MODEL.onnx OUT_DIR [--logrows N] [--scale N] [--srs FILE]`
                                          build the artifacts and the verifier bytecode
`python -m services.ezkl agent ...`       the optimistic route's verifier agent (agent.py)
`python -m services.ezkl bench`           proving/verifying/gas benchmark (bench.py)
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def prepare_main(argv: list[str]) -> int:
    from .artifacts import DEFAULT_LOGROWS, DEFAULT_SCALE, LOCAL_SRS, prepare
    ap = argparse.ArgumentParser(prog="python -m services.ezkl prepare",
                                 description="ONNX model -> EZKL artifacts (settings, circuit, SRS, pk, vk, "
                                             "Halo2Verifier.sol, verifier bytecode) with a sha256 manifest")
    ap.add_argument("model", type=Path, help="the ONNX model (fixed input shape)")
    ap.add_argument("out", type=Path, help="output directory (a services model directory, e.g. "
                                           "~/.cache/ritual/local/<owner>/<name>/default)")
    ap.add_argument("--logrows", type=int, default=DEFAULT_LOGROWS)
    ap.add_argument("--scale", type=int, default=DEFAULT_SCALE, help="fixed-point scale bits of inputs/params")
    ap.add_argument("--srs", type=Path, help="a ceremony KZG SRS file (production); without it one is "
                                             "generated locally, for development only")
    a = ap.parse_args(argv)
    if not a.model.is_file():
        ap.error(f"model: no file {a.model}")
    if a.srs is not None and not a.srs.is_file():
        ap.error(f"--srs: no file {a.srs}")
    meta = prepare(a.model, a.out, a.logrows, a.scale, a.srs)
    verifier = meta["verifier"]
    summary = {k: meta[k] for k in ("logrows", "input_scale", "output_scale", "srs_origin", "timings")}
    summary["verifier_runtime_bytes"] = len(verifier["runtime"]) // 2
    print(json.dumps(summary, indent=1))
    print(f"verifier initcode: {a.out / 'artifacts.json'} (verifier.initcode)")
    if meta["srs_origin"] == LOCAL_SRS:
        print("WARNING: the SRS was generated locally: development only (pass --srs with a ceremony SRS)",
              file=sys.stderr)
    return 0


def main() -> int:
    command = sys.argv[1] if len(sys.argv) > 1 else "serve"
    if command == "prepare":
        return prepare_main(sys.argv[2:])
    if command == "agent":
        from .agent import main as agent_main
        return agent_main(sys.argv[2:])
    if command == "bench":
        from .bench import main as bench_main
        return bench_main(sys.argv[2:])
    if command != "serve":
        sys.exit(f"unknown command {command!r}: serve, prepare, agent, bench")
    from ..common.app import run
    from .service import EzklService
    run(EzklService)
    return 0


if __name__ == "__main__":
    sys.exit(main())

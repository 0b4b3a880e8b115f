"""EZKL artifacts of one ONNX model: settings, compiled circuit, KZG SRS, proving and verifying
keys, ezkl's Halo2Verifier.sol and its bytecode (compiled here without solc, contracts/yul),
with the sha256 manifest the services' model store checks (`ritual_manifest.json`).

`python -m services.ezkl prepare MODEL.onnx OUT_DIR [--logrows 15] [--scale 13] [--srs FILE]`

The SRS: `--srs FILE` copies a ceremony SRS the operator provides (production). Without it
one is generated locally with `ezkl.gen_srs`: whoever generated it knows its secret and could
forge proofs, so such artifacts are for development only (`artifacts.json` says
`"srs_origin": "generated-locally"` and the service warns at start-up).

`cached_artifacts(onnx_bytes, ...)` builds them once under
~/.cache/infernet-swift/ezkl-artifacts/<sha256 of model, settings and ezkl version> (the tests
and the benchmark use it; a fresh machine builds them itself).
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
from pathlib import Path

log = logging.getLogger("infernet.services.ezkl")

DEFAULT_LOGROWS = 15  # the smallest whose proof calldata fits the SDK's 4,096-byte proof cap
DEFAULT_SCALE = 13
FILES = ("model.onnx", "settings.json", "network.ezkl", "kzg.srs", "vk.key", "pk.key",
         "Halo2Verifier.sol", "artifacts.json")
LOCAL_SRS = "generated-locally"
CACHE_ROOT = Path("~/.cache/infernet-swift/ezkl-artifacts").expanduser()


def _run_args(logrows: int, scale: int):
    import ezkl
    args = ezkl.PyRunArgs()
    args.input_visibility = "public"
    args.output_visibility = "public"
    args.param_visibility = "fixed"
    args.logrows = logrows
    args.input_scale = scale
    args.param_scale = scale
    return args


def evm_verifier_solidity(vk: Path, settings: Path, srs: Path, out: Path) -> None:
    """ezkl's Halo2Verifier.sol. ezkl writes it and then tries to fetch solc, which fails here
    (no network): the written file is what we need, so that failure is tolerated."""
    import ezkl

    async def create() -> None:
        # must be awaited inside a running loop; positional order as the binary expects
        await ezkl.create_evm_verifier(str(vk), str(settings), str(out), str(out.with_suffix(".abi")),
                                       str(srs))

    try:
        asyncio.run(create())
    except Exception as error:  # noqa: BLE001 - the solc download; checked below
        if not out.is_file() or "assembly" not in out.read_text():
            raise RuntimeError(f"ezkl did not write {out.name}: {error}") from None
    out.with_suffix(".abi").unlink(missing_ok=True)


def prepare(onnx_path: Path, out_dir: Path, logrows: int = DEFAULT_LOGROWS, scale: int = DEFAULT_SCALE,
            srs: Path | None = None) -> dict:
    """Writes every artifact of FILES (+ the manifest) to `out_dir`; returns artifacts.json."""
    import ezkl

    from contracts.yul import compile_solidity_verifier
    from services.common.sources import write_manifest

    out_dir.mkdir(parents=True, exist_ok=True)
    p = {name: out_dir / name for name in FILES}
    timings: dict[str, float] = {}
    shutil.copyfile(onnx_path, p["model.onnx"])
    started = time.monotonic()
    if not ezkl.gen_settings(str(p["model.onnx"]), str(p["settings.json"]), py_run_args=_run_args(logrows, scale)):
        raise RuntimeError("ezkl.gen_settings failed")
    if not ezkl.compile_circuit(str(p["model.onnx"]), str(p["network.ezkl"]), str(p["settings.json"])):
        raise RuntimeError("ezkl.compile_circuit failed")
    settings = json.loads(p["settings.json"].read_text())
    run_args = settings["run_args"]
    if srs is not None:
        shutil.copyfile(srs, p["kzg.srs"])
        origin = f"provided:{srs.name}"
    else:
        ezkl.gen_srs(str(p["kzg.srs"]), run_args["logrows"])
        origin = LOCAL_SRS
    timings["settings_s"] = time.monotonic() - started
    started = time.monotonic()
    if not ezkl.setup(str(p["network.ezkl"]), str(p["vk.key"]), str(p["pk.key"]), str(p["kzg.srs"])):
        raise RuntimeError("ezkl.setup failed")
    timings["setup_s"] = time.monotonic() - started
    evm_verifier_solidity(p["vk.key"], p["settings.json"], p["kzg.srs"], p["Halo2Verifier.sol"])
    compiled = compile_solidity_verifier(p["Halo2Verifier.sol"].read_text())
    import onnx
    graph = onnx.load(str(p["model.onnx"])).graph

    def shape(value) -> list[int]:
        return [d.dim_value for d in value.type.tensor_type.shape.dim]

    meta = {
        "ezkl_version": ezkl.__version__ if hasattr(ezkl, "__version__") else "23.0.5",
        "logrows": run_args["logrows"], "input_scale": run_args["input_scale"],
        "output_scale": settings.get("model_output_scales", [run_args["input_scale"]])[0],
        "input_name": graph.input[0].name, "input_shape": shape(graph.input[0]),
        "output_shapes": [shape(o) for o in graph.output],
        "num_instances": sum(len(x) for x in settings.get("model_instance_shapes", [])) or None,
        "srs_origin": origin,
        "verifier": {"signature": compiled["signature"], "selector": compiled["selector"].hex(),
                     "runtime": compiled["runtime"].hex(), "initcode": compiled["initcode"].hex()},
        "timings": timings,
    }
    p["artifacts.json"].write_text(json.dumps(meta, indent=1))
    write_manifest(out_dir, list(FILES))
    return meta


def ezkl_version() -> str:
    from importlib.metadata import version
    return version("ezkl")


def cache_key(onnx_bytes: bytes, logrows: int, scale: int) -> str:
    digest = hashlib.sha256(onnx_bytes)
    digest.update(json.dumps({"logrows": logrows, "scale": scale, "ezkl": ezkl_version(),
                              "layout": 1}).encode())
    return digest.hexdigest()[:20]


def cached_artifacts(onnx_bytes: bytes, logrows: int = DEFAULT_LOGROWS, scale: int = DEFAULT_SCALE,
                     root: Path | None = None) -> Path:
    """The artifacts' directory for this model and settings, built once (development SRS)."""
    root = Path(os.getenv("EZKL_ARTIFACT_CACHE", "") or (root or CACHE_ROOT)).expanduser()
    directory = root / cache_key(onnx_bytes, logrows, scale)
    if (directory / ".complete").is_file():
        return directory
    root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="build-", dir=root))
    try:
        source = work / "source.onnx"
        source.write_bytes(onnx_bytes)
        prepare(source, work / "out", logrows, scale)
        (work / "out" / ".complete").touch()
        if directory.exists():
            shutil.rmtree(directory)
        os.replace(work / "out", directory)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return directory


def install(artifacts: Path, cache_dir: Path, owner: str, name: str) -> Path:
    """Links the artifacts into a services model cache as `local/<owner>/<name>` (symlinks: the
    proving key is large; the manifest is checked through them on load)."""
    target = cache_dir / "local" / owner / name / "default"
    target.mkdir(parents=True, exist_ok=True)
    for file_name in FILES + ("ritual_manifest.json",):
        link = target / file_name
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(artifacts / file_name)
    return target

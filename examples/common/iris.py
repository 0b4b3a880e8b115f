"""The iris tutorials (onnx-iris, torch-iris) share their flow; each example's main.py names its
service, its model builder and its container:

1. build the model in the services venv (the example's build_model.py), into a model directory;
2. start the chain, deploy the example's IrisClassifier.vy with the container id and model id;
3. start the node with the service as a `command` container;
4. off-chain: a JobRequest with three flowers (one per class) through the REST API;
5. on-chain: IrisClassifier.classify(features) and the predicted class read back.
"""
from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Callable

from examples.common import ExampleError, Session, argument_parser, setup_python, step

CLASSES = ["setosa", "versicolor", "virginica"]
# one flower of each species (iris data set rows 0, 50, 100), in millimetres
SAMPLES = [[51, 35, 14, 2], [70, 32, 47, 14], [63, 33, 60, 25]]


def parse_features(text: str) -> list[int]:
    try:
        values = [int(v) for v in text.split(",")]
    except ValueError:
        raise SystemExit(f"--features: expected four integers (millimetres), got {text!r}") from None
    if len(values) != 4 or any(v < 0 or v > 1000 for v in values):
        raise SystemExit(f"--features: expected four millimetre values 0..1000, got {text!r}")
    return values


def run_iris(name: str, here: Path, doc: str, offchain_data: Callable[[str, list[list[int]]], dict],
             offchain_probabilities: Callable[[object], list[list[float]]],
             container: Callable[[Session, Path, str, str], dict], argv: list[str] | None = None) -> None:
    ap = argument_parser(doc)
    ap.add_argument("--features", default="63,33,60,25",
                    help="sepal length, sepal width, petal length, petal width in mm (default: a virginica)")
    args = ap.parse_args(argv)
    features = parse_features(args.features)
    with Session(name, args) as s:
        step("building the iris model (services venv: build_model.py)")
        services_python = setup_python(services=True)
        cache = s.work / "models"
        out = subprocess.run([services_python, str(here / "build_model.py"), str(cache)], capture_output=True,
                             text=True, timeout=600)
        if out.returncode != 0:
            raise ExampleError(f"build_model.py failed:\n{out.stderr[-3000:]}")
        model = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"model {model['model_id']}: {model['path']} (sha256 {model['sha256'][:16]}..., "
              f"training accuracy {model['accuracy']:.3f})")
        s.result["model"] = model

        s.start_chain()
        step("deploying the consumer contract IrisClassifier.vy")
        classifier = s.deploy(here / "IrisClassifier.vy", s.addresses["registry"], name,
                              bytes.fromhex(model["model_id_web3"]))

        venv = str(Path(services_python).parent.parent)
        s.start_node([container(s, cache, model["model_id"], venv)])

        step(f"off-chain: POST /api/jobs {{containers: [{name}], data: three flowers}}")
        job = s.wait_container(name, offchain_data(model["model_id"], SAMPLES))
        rows = offchain_probabilities(job["result"]["output"])
        for sample, row in zip(SAMPLES, rows):
            best = max(range(3), key=lambda i: row[i])
            print(f"  {sample} mm -> {CLASSES[best]} ({', '.join(f'{p:.3f}' for p in row)})")
        s.result["rest"] = {"job_id": job["id"], "classes": [max(range(3), key=lambda i: r[i]) for r in rows],
                            "probabilities": rows}

        step(f"on-chain: IrisClassifier.classify({features})")
        sid, receipt, seconds = s.request(classifier, classifier.functions.classify(features))
        if not classifier.functions.classified(sid).call():
            raise ExampleError(f"subscription {sid} was delivered but not classified")
        predicted = classifier.functions.predictedClass(sid).call()
        probabilities = classifier.functions.probabilities(sid).call()
        s.report_delivery(sid, receipt, seconds)
        print(f"IrisClassifier.predictedClass({sid}) = {predicted} ({CLASSES[predicted]}), "
              f"probabilities x 1e6 = {probabilities}")
        s.result.update({"subscription": sid, "features": features, "predicted_class": predicted,
                         "class_name": CLASSES[predicted], "probabilities_e6": probabilities})
        s.finish()


def save_model(cache: Path, model_id: str, blob: bytes, accuracy: float) -> None:
    """What each example's build_model.py ends with (in the services venv): the model written as
    a local model directory with its sha256 manifest, {cache}/{repo}/default/{file} for the model
    id "{repo}:{file}", and one JSON line printed for run_iris: model_id, model_id_web3 (the
    contract's encoding), sha256, accuracy, path."""
    import hashlib
    from services.common.model_id import ModelId
    from services.common.sources import write_manifest
    repo, _, filename = model_id.partition(":")
    directory = cache / repo / "default"
    directory.mkdir(parents=True, exist_ok=True)
    (directory / filename).write_bytes(blob)
    write_manifest(directory, [filename])
    print(json.dumps({"model_id": model_id, "model_id_web3": ModelId.parse(model_id).to_web3().hex(),
                      "sha256": hashlib.sha256(blob).hexdigest(), "accuracy": accuracy,
                      "path": str(directory / filename)}))

"""The "Running a Torch model" tutorial, end to end: a small torch network trained on the iris
data set, served by the Torch service (services/torch) that infernet-node runs as a `command`
container; a job through the REST API, then IrisClassifier.classify() on chain and the predicted
class read back from the contract. Run: examples/torch-iris/run.sh (see README.md)."""
from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from examples.common.iris import run_iris  # noqa: E402

NAME = "torch-iris"


def offchain_data(model_id: str, rows: list[list[int]]) -> dict:
    """The Torch service's off-chain request: one `input` vector (here int64, [n, 4])."""
    values = [v for row in rows for v in row]
    return {"model_id": model_id, "input": {"dtype": 8, "shape": [len(rows), 4], "values": values}}


def offchain_probabilities(output: dict) -> list[list[float]]:
    """The response is the output vector itself: probabilities [n, 3]."""
    values = output["values"]
    return [values[i:i + 3] for i in range(0, len(values), 3)]


def container(s, cache: Path, model_id: str, venv: str) -> dict:
    """config.json's container (services/bin/infernet-torch) with this run's model directory."""
    return s.container(HERE, NAME, env={"INFERNET_SERVICES_VENV": venv, "TORCH_CACHE_DIR": str(cache),
                                        "TORCH_DEFAULT_MODEL_ID": model_id})


if __name__ == "__main__":
    run_iris(NAME, HERE, __doc__, offchain_data, offchain_probabilities, container)

"""Builds the torch-iris model (runs in the services venv: torch, scikit-learn).

A small neural network (4 -> 16 -> 3, softmax) trained with torch on scikit-learn's iris data
set in well under a second, saved as TorchScript so the Torch service loads it without this
file's classes. It takes what a contract can send, the four measurements in millimetres as
int64, and answers the class probabilities (setosa, versicolor, virginica). Written as a local
model with its sha256 manifest: {cache}/local/ritual/iris-torch/default/iris.pt.

Usage: python build_model.py CACHE_DIR  -> prints {"model_id", "model_id_web3", "sha256", "accuracy"}
"""
from __future__ import annotations

import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from examples.common.iris import save_model  # noqa: E402

MODEL_ID = "local/ritual/iris-torch:iris.pt"


def build() -> tuple[bytes, float]:
    import numpy as np
    import torch
    from sklearn.datasets import load_iris
    from torch import nn

    class IrisNet(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.net = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 3))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            # millimetres (any dtype) -> centimetres, the data set's unit
            return torch.softmax(self.net(x.to(torch.float32) / 10.0), dim=-1)

    torch.manual_seed(0)
    X, y = load_iris(return_X_y=True)
    features = torch.tensor(np.round(X * 10), dtype=torch.int64)
    labels = torch.tensor(y, dtype=torch.int64)
    model = IrisNet()
    optimiser = torch.optim.Adam(model.parameters(), lr=0.05)
    for _ in range(400):
        optimiser.zero_grad()
        loss = nn.functional.nll_loss(torch.log(model(features) + 1e-9), labels)
        loss.backward()
        optimiser.step()
    model.eval()
    with torch.no_grad():
        accuracy = float((model(features).argmax(dim=1) == labels).float().mean())
    buffer = io.BytesIO()
    torch.jit.save(torch.jit.script(model), buffer)
    return buffer.getvalue(), accuracy


def main() -> None:
    save_model(Path(sys.argv[1]), MODEL_ID, *build())


if __name__ == "__main__":
    main()

"""The hostile-client suite: the real node binaries (INFERNET_BIN_DIR, else this checkout's
`swift build` products), hello-world containers as local `command` processes, real HTTP over
loopback. It runs with the venv of scripts/setup.sh --hostile (schemathesis, pytest), as its own
stage of scripts/test.sh; under another venv (scripts/test-python.sh) it is not collected."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "services"))

if importlib.util.find_spec("schemathesis") is None:
    collect_ignore_glob = ["test_*.py"]

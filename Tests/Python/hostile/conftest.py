"""The hostile-client suite: the real node binaries (INFERNET_BIN_DIR, else this checkout's
`swift build` products), hello-world containers as local `command` processes, real HTTP over
loopback. Run with the venv of scripts/setup-hostile.sh (schemathesis, pytest)."""
from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "services"))

"""One engine (scripts/engine.sh) for the whole session, on its own socket; stopped at the end,
with the bridge and firewall chains it added undone."""
from __future__ import annotations

import pytest

from enginehelpers import ECHO, HELLO, NODE, Engine, ensure_images


@pytest.fixture(scope="session")
def engine():
    started = Engine()
    try:
        ensure_images(started, HELLO, ECHO, NODE)
        yield started
    finally:
        started.stop()

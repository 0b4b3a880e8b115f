"""Fixtures: one deployed in-process chain per session, a snapshot/revert around every test."""
import pytest

from chainctx import Ctx


@pytest.fixture(scope="session")
def session_ctx():
    return Ctx()


@pytest.fixture
def ctx(session_ctx):
    c = session_ctx
    with c.chain.lock:
        sid = c.chain.snapshot()
    yield c
    with c.chain.lock:
        assert c.chain.revert(sid)

"""Search tests: each gets its own empty index folder."""

from __future__ import annotations

import pytest

from dpse.search.engine import current_engine
from tests.events.conftest import make_event  # noqa: F401 - the events tests' fixture


@pytest.fixture(autouse=True)
def _fresh_index(app, tmp_path):
    """Each test gets its own index folder."""
    engine = current_engine()
    old = engine.path
    engine.forget_searchers()
    engine.path = tmp_path / "index"
    yield
    engine.forget_searchers()
    engine.path = old

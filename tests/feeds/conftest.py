"""Feed tests post as fresh accounts: holding new accounts' posts is off unless a test wants it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask


@pytest.fixture(autouse=True)
def _no_holding(request: pytest.FixtureRequest) -> Iterator[None]:
    if "app" not in request.fixturenames:
        yield
        return
    app: Flask = request.getfixturevalue("app")
    old = app.config["HOLD_FIRST_POSTS"]
    app.config["HOLD_FIRST_POSTS"] = 0
    yield
    app.config["HOLD_FIRST_POSTS"] = old

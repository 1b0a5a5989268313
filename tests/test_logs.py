"""Request ids and log lines: one line per request, JSON when asked, never a token."""

from __future__ import annotations

import io
import json
import logging

import pytest

from dpse.gunicorn_conf import shared_limits_problem
from dpse.logs import JsonFormatter, RequestIdFilter
from dpse.serving import plan_workers


@pytest.fixture
def captured():
    """The request log's records as the JSON formatter writes them."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("dpse.request")
    logger.addHandler(handler)
    old_level = logger.level
    logger.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)


def test_every_request_gets_an_id_and_one_json_line(client, captured):
    response = client.get("/reset-password/SeCrEtToKeN.x.y?next=/x")
    request_id = response.headers["X-Request-Id"]
    assert len(request_id) == 32
    (line,) = captured.getvalue().splitlines()
    entry = json.loads(line)
    assert entry["request_id"] == request_id
    assert entry["method"] == "GET" and entry["status"] == response.status_code
    assert entry["path"] == "/reset-password/[redacted]?next=/x"
    assert "SeCrEtToKeN" not in line and entry["duration_ms"] >= 0


def test_a_proxys_request_id_is_kept_and_a_bad_one_replaced(client, captured):
    kept = client.get("/healthz", headers={"X-Request-Id": "lb-7f3a9c21-0001"})
    assert kept.headers["X-Request-Id"] == "lb-7f3a9c21-0001"
    replaced = client.get("/healthz", headers={"X-Request-Id": "bad id; with spaces"})
    assert replaced.headers["X-Request-Id"] != "bad id; with spaces"
    assert len(replaced.headers["X-Request-Id"]) == 32
    ids = [json.loads(line)["request_id"] for line in captured.getvalue().splitlines()]
    assert ids == ["lb-7f3a9c21-0001", replaced.headers["X-Request-Id"]]


def test_several_workers_need_shared_rate_limit_counts_in_production():
    production = {"DPSE_ENV": "production"}
    assert "DPSE_RATELIMIT_STORAGE_URI" in shared_limits_problem(4, production)
    assert shared_limits_problem(1, production) is None
    assert (
        shared_limits_problem(4, {**production, "DPSE_RATELIMIT_STORAGE_URI": "redis://r"}) is None
    )
    with pytest.raises(ValueError, match="count rate limits in their own memory"):
        plan_workers(4, production)
    assert plan_workers(4, {"DPSE_ENV": "development"})[0] == 1  # and it says why
    assert plan_workers(None, {"DPSE_RATELIMIT_STORAGE_URI": "redis://r"})[0] >= 2

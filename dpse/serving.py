"""`dpse serve`: gunicorn (or Flask's development server) and this host's search indexer,
started together and stopped together.

In production run them as two services instead (the README gives systemd units); this is the
one-command shape for a single machine.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from flask import Flask

from dpse.gunicorn_conf import shared_limits_problem

INDEXER = [sys.executable, "-m", "dpse", "search", "indexer"]


def plan_workers(workers: int | None, env: dict[str, str]) -> tuple[int, str]:
    """How many gunicorn workers to run, and a sentence saying why (or raise ValueError)."""
    storage = env.get("DPSE_RATELIMIT_STORAGE_URI", "memory://")
    if not storage.startswith("memory://"):
        count = workers or 2 * (os.cpu_count() or 1)
        where = storage.split(":")[0]
        return count, f"{count} worker process(es) with threads; rate limits counted in {where}"
    if workers and workers > 1:
        problem = shared_limits_problem(workers, env)
        if problem:
            raise ValueError(problem)
        return 1, (
            f"1 worker process with threads, not {workers}: rate limits are counted in memory, "
            "which only one process shares (set DPSE_RATELIMIT_STORAGE_URI=redis://… for more)"
        )
    return 1, "1 worker process with threads (rate limits are counted in its memory)"


def run(  # noqa: PLR0913 - the serve command's options
    app: Flask, host: str, port: int, workers: int, dev: bool, say: Callable[[str], Any]
) -> int:
    """Serve until interrupted; returns the exit status."""
    env = {**os.environ, "DPSE_INSTANCE_PATH": app.instance_path}  # whatever the cwd
    if dev and os.environ.get("WERKZEUG_RUN_MAIN") == "true":
        # The reloader's child: the parent started the indexer already.
        app.run(host=host, port=port, debug=True, use_reloader=True)
        return 0
    indexer = subprocess.Popen(INDEXER, env=env)  # noqa: S603 - our own command
    if dev:
        try:
            app.run(host=host, port=port, debug=True, use_reloader=True)
        finally:
            _stop(indexer)
        return 0
    server = subprocess.Popen(  # noqa: S603 - our own command
        [sys.executable, "-m", "gunicorn", "-c", "python:dpse.gunicorn_conf"]
        + ["--bind", f"{host}:{port}", "--workers", str(workers), "dpse.wsgi:app"],
        env=env,
    )
    children = (server, indexer)
    stopping = []

    def forward(signum: int, _frame: Any) -> None:
        stopping.append(signum)
        for child in children:
            if child.poll() is None:
                child.send_signal(signum)

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, forward)
    while all(child.poll() is None for child in children):
        time.sleep(0.2)
    if server.poll() is None and not stopping:
        say("The search indexer stopped; stopping the server")
    for child in children:
        _stop(child)
    return server.returncode or 0


def _stop(child: subprocess.Popen) -> None:
    if child.poll() is None:
        child.terminate()
    try:
        child.wait(timeout=40)  # gunicorn's graceful timeout is 30 s
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()

"""gunicorn settings: ``gunicorn -c python:dpse.gunicorn_conf dpse.wsgi:app`` (what `dpse
serve` runs). Each can be overridden on the command line; DPSE_WORKERS and DPSE_THREADS set
the process and thread counts.

Rate limits are counted where DPSE_RATELIMIT_STORAGE_URI says: with the in-memory default
only threads of one process share the counts, so production refuses several workers then.
"""

from __future__ import annotations

import errno
import gc
import os
import socket
from typing import Any

bind = os.environ.get("DPSE_BIND", "127.0.0.1:5000")
workers = int(os.environ.get("DPSE_WORKERS", "1"))
worker_class = "gthread"
threads = int(os.environ.get("DPSE_THREADS", "8"))
timeout = 30  # a worker silent this long is killed and replaced
graceful_timeout = 30  # on SIGTERM: stop accepting, let in-flight requests finish this long
keepalive = 5
# Each worker listens on a socket of its own (SO_REUSEPORT, where the system has it) and the
# kernel spreads new connections over them. On one shared socket the worker that woke first
# took a burst of new connections: 8 keep-alive clients all landed on one of two workers in
# 5 of 12 tries, which then served at 40 % of the pair's rate while the other core idled. The
# cost: connections still waiting in a worker's queue when it dies are refused, not handed to
# another (workers here are not recycled by request count). And a second server started on the
# same port by the same user would share it silently: on_starting refuses to start then.
reuse_port = True
# The app logs one line per request, with its request id (dpse.logs); gunicorn logs errors.
# If an operator turns gunicorn's access log on too, its logger class redacts link tokens.
accesslog = None
errorlog = "-"
logger_class = "dpse.access_log.RedactingLogger"


def shared_limits_problem(workers: int, env: dict[str, str]) -> str | None:
    """Why this many workers cannot run with these settings, or None."""
    storage = env.get("DPSE_RATELIMIT_STORAGE_URI", "memory://")
    if workers > 1 and storage.startswith("memory://") and env.get("DPSE_ENV") == "production":
        return (
            f"{workers} workers would each count rate limits in their own memory; set "
            "DPSE_RATELIMIT_STORAGE_URI=redis://… or run one worker (DPSE_WORKERS=1)"
        )
    return None


def post_worker_init(worker: Any) -> None:
    """Once the app is loaded: put everything made so far (modules, the app, the search
    schema…) out of the garbage collector's reach. A full collection otherwise walks all of it
    and paused a request for 100 ms and more (bench/pages.py saw it as the p95 of whatever
    page it fell on); what requests make is still collected."""
    del worker
    freeze_startup_objects()


def freeze_startup_objects() -> None:
    gc.collect()
    gc.freeze()


def port_in_use(host: str, port: int) -> bool:
    """Whether something listens on this address already (with ``reuse_port`` a second server
    could otherwise bind it beside the first and take half its connections)."""
    if not port:
        return False
    for family, kind, proto, _name, address in socket.getaddrinfo(
        host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    ):
        with socket.socket(family, kind, proto) as probe:
            # Connections left in TIME_WAIT by a server that just stopped do not count.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(address)
            except OSError as error:
                if error.errno == errno.EADDRINUSE:
                    return True
                raise
    return False


def on_starting(server: Any) -> None:
    """Refuse to start in a shape whose rate limits would not hold, or on an address another
    server listens on."""
    problem = shared_limits_problem(server.cfg.workers, dict(os.environ))
    if problem:
        raise RuntimeError(problem)
    for address in server.cfg.address:
        if isinstance(address, tuple) and port_in_use(str(address[0]), int(address[1])):
            host, port = address[0], address[1]
            raise RuntimeError(f"{host}:{port} is in use: is another server running there?")

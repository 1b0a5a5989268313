"""The server's settings: each worker on a socket of its own, and never two servers on one
address."""

from __future__ import annotations

import socket
import subprocess
import sys

from dpse import gunicorn_conf


def _listener(reuse_port: bool) -> socket.socket:
    sock = socket.socket()
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    return sock


def test_each_worker_listens_on_its_own_socket():
    assert gunicorn_conf.reuse_port is True


def test_an_address_something_listens_on_is_in_use():
    for reuse_port in (True, False):
        with _listener(reuse_port) as held:
            port = held.getsockname()[1]
            assert gunicorn_conf.port_in_use("127.0.0.1", port), reuse_port
        assert not gunicorn_conf.port_in_use("127.0.0.1", port)  # closed: free again
    assert not gunicorn_conf.port_in_use("127.0.0.1", 0)


def test_a_second_server_on_the_same_port_refuses_to_start(tmp_path):
    """A server already there took the port with SO_REUSEPORT, as ours do: the second gunicorn
    would bind beside it and take half its connections; it stops with a clear line instead."""
    (tmp_path / "tiny.py").write_text("def app(environ, start_response):\n    return []\n")
    with _listener(reuse_port=True) as held:
        port = held.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "gunicorn", "-c", "python:dpse.gunicorn_conf"]
            + ["--bind", f"127.0.0.1:{port}", "--chdir", str(tmp_path), "tiny:app"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert done.returncode != 0
    assert f"127.0.0.1:{port} is in use" in done.stderr + done.stdout

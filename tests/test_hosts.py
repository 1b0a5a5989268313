"""Real servers (`dpse serve`, gunicorn and the indexer beside it) on the suite's database:
rate limits shared by four workers through Redis, two hosts following one change log, and a
host killed with SIGKILL in the middle of writes."""

from __future__ import annotations

import http.client
import http.cookiejar
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from dpse.events.models import Registration, RegistrationStatus
from dpse.extensions import db
from dpse.forum.models import Post
from dpse.mixins import utcnow
from dpse.search.engine import SearchEngine, current_engine
from dpse.search.indexer import wait_for
from dpse.search.models import SearchIndexer
from dpse.search.positions import prune, read_state
from tests.conftest import CSRF_RE as CSRF
from tests.conftest import PASSWORD, free_port
from tests.forum.factories import make_thread

ROOT = Path(__file__).resolve().parents[1]
REDIS = shutil.which("redis-server")


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    """A throw-away redis-server on loopback (CI installs Debian's redis-server)."""
    if REDIS is None:
        if os.environ.get("DPSE_REQUIRE_REDIS"):
            pytest.fail("redis-server is not installed, and DPSE_REQUIRE_REDIS is set")
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    proc = subprocess.Popen(
        [REDIS, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
    )
    try:
        assert wait_for(lambda: _port_open(port), 20), "redis-server did not start"
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _port_open(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


class Host:
    """`dpse serve` with an instance folder of its own, on the suite's database."""

    def __init__(self, app, folder: Path, **env: str) -> None:
        self.folder, self.port = folder, free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "DPSE_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "DPSE_INSTANCE_PATH": str(folder),
            "DPSE_HOLD_FIRST_POSTS": "0",
            "DPSE_POST_RATE_LIMIT": "1000 per minute",
            **env,
        }
        self.proc: subprocess.Popen | None = None
        self.output = ""

    def start(self, *args: str) -> Host:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "dpse", "serve", "--port", str(self.port), *args],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # its own process group: kill() reaches every process
        )
        if not wait_for(lambda: self._up() or self.proc.poll() is not None, 90) or not self._up():
            self.stop()
            pytest.fail(f"dpse serve did not come up:\n{self.output}")
        return self

    def _up(self) -> bool:
        try:
            with urllib.request.urlopen(self.base + "/healthz", timeout=5) as response:
                return json.loads(response.read())["database"] == "ok"
        except (OSError, ValueError, KeyError):
            return False

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
        if self.proc:
            self.output += self.proc.communicate(timeout=60)[0]

    def kill(self) -> None:
        """SIGKILL the server, its workers and its indexer, all at once."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.output += self.proc.communicate(timeout=30)[0]

    def engine(self, app) -> SearchEngine:
        engine = SearchEngine(str(self.folder / "search-index"))
        for source in current_engine().sources.values():
            engine.register(source)
        return engine

    def finds(self, text: str) -> int:
        page = _get(urllib.request.build_opener(), f"{self.base}/search?q={text}")
        match = re.search(r"([\d,]+) results?", page)
        return int(match.group(1).replace(",", "")) if match else 0


def _get(opener, url: str) -> str:
    with opener.open(url, timeout=30) as response:
        return response.read().decode()


def signed_in(host: Host, email: str) -> urllib.request.OpenerDirector:
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    post(opener, host.base + "/login", {"email": email, "password": PASSWORD})
    return opener


def post(opener, url: str, data: dict[str, str], form_url: str | None = None) -> int:
    """Submit a form as a browser does; its status code (302 when it redirected)."""
    token = CSRF.search(_get(opener, form_url or url)).group(1)
    body = urllib.parse.urlencode({"csrf_token": token, **data}).encode()
    request = urllib.request.Request(url, data=body)
    try:
        with opener.open(request, timeout=60) as response:
            return 302 if response.geturl() != url else response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_four_workers_hold_a_limit_exactly_through_redis(app, users, tmp_path, redis_url):
    host = Host(
        app,
        tmp_path / "host",
        DPSE_RATELIMIT_STORAGE_URI=redis_url,
        DPSE_LOGIN_RATE_LIMIT="10 per minute",
    ).start("--workers", "4")
    try:
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        token = CSRF.search(_get(opener, host.base + "/login")).group(1)
        body = urllib.parse.urlencode(
            {"csrf_token": token, "email": "nobody@testshire.gov.uk", "password": "wrong"}
        ).encode()
        statuses = []
        for _ in range(30):  # each on a new connection: the four workers take turns
            try:
                with opener.open(host.base + "/login", data=body, timeout=30) as response:
                    statuses.append(response.status)
            except urllib.error.HTTPError as exc:
                statuses.append(exc.code)
    finally:
        host.stop()
    assert "4 worker process(es)" in host.output and "counted in redis" in host.output
    assert len(re.findall(r"Booting worker with pid", host.output)) >= 4
    assert statuses.count(429) == 20 and len(statuses) == 30, statuses


def test_in_memory_limits_run_one_worker_and_say_so(app, users, tmp_path):
    host = Host(app, tmp_path / "host").start("--workers", "4")
    host.stop()
    assert "1 worker process with threads, not 4: rate limits are counted in memory" in host.output


def test_two_hosts_follow_one_change_log(app, users, tmp_path):
    app.config["HOLD_FIRST_POSTS"] = 0  # (the fixture restores it)
    kakapo = make_thread(users["member"], title="Kakapo sightings", body="Where?")
    db.session.commit()
    thread_path = f"/forum/t/{kakapo.id}-{kakapo.slug}"
    one = Host(app, tmp_path / "one").start()
    two = Host(app, tmp_path / "two").start()
    try:
        member = signed_in(one, "member@testshire.gov.uk")
        assert wait_for(lambda: two.finds("kakapo") == 1, 30), two.finds("kakapo")

        # A change made through one host is found through the other within 2 s.
        reply = one.base + thread_path + "/reply"
        status = post(member, reply, {"body": "A kea too", "action": "post"})
        assert status == 302
        written = time.monotonic()
        assert wait_for(lambda: two.finds("kea") == 1, 2.0), "host two did not find it in 2 s"
        print(f"found through the other host after {time.monotonic() - written:.2f} s")

        # Host two stopped while 200 changes are made: it catches up on restart.
        two.stop()
        for n in range(200):
            make_thread(users["member"], title=f"Takahe count {n}", body="Counted today")
        db.session.commit()
        two.start()
        assert wait_for(lambda: two.finds("takahe") == 200, 60), two.finds("takahe")

        # Left behind past pruning: it rebuilds, and finds everything.
        two.stop()
        for n in range(5):
            make_thread(users["member"], title=f"Weka count {n}", body="Counted later")
        db.session.commit()
        behind = read_state(tmp_path / "two" / "search-index").indexer_id
        assert wait_for(lambda: one.finds("weka") == 5, 30)
        db.session.execute(
            SearchIndexer.__table__.update()
            .where(SearchIndexer.id == behind)
            .values(heartbeat_at=utcnow() - timedelta(hours=1))  # silent past the live period
        )
        db.session.commit()
        assert prune(600, timedelta(days=7)) > 0  # host one's position is enough now
        two.start()
        assert wait_for(lambda: two.finds("weka") == 5, 60)
        two.stop()
        assert "fell behind the pruned change log: rebuilding" in two.output
    finally:
        one.stop()
        two.stop()


def test_a_host_killed_mid_writes_loses_nothing_acknowledged(app, users, tmp_path, make_event):
    app.config["HOLD_FIRST_POSTS"] = 0
    event = make_event(capacity=5)
    event_slug = event.slug
    thread = make_thread(users["member"], title="Crash course", body="Start")
    db.session.commit()
    reply_url = f"/forum/t/{thread.id}-{thread.slug}/reply"
    host = Host(app, tmp_path / "host").start()
    people = [(u.id, u.email) for u in users.values()][:4]  # plain values for the threads
    acknowledged: list[str] = []
    registered: list[str] = []
    stop = threading.Event()

    def write(person: tuple[int, str]) -> None:
        person_id, email = person
        opener = signed_in(host, email)
        try:
            page = f"{host.base}/events/{event_slug}"
            post(opener, page + "/register", {}, page)
            registered.append(email)
            n = 0
            while not stop.is_set():
                token = f"crashtoken{person_id}x{n}"
                reply = {"body": f"Reply {token}", "action": "post"}
                if post(opener, host.base + reply_url, reply) == 302:
                    acknowledged.append(token)
                n += 1
        except (OSError, http.client.HTTPException):
            # The server is gone mid-request (or mid-answer: IncompleteRead): that write was
            # not acknowledged, or not seen to be, which only makes the check below looser.
            return

    writers = [threading.Thread(target=write, args=(p,)) for p in people]
    for thread_ in writers:
        thread_.start()
    try:
        assert wait_for(lambda: len(acknowledged) >= 20, 120), "no writes got through"
    finally:
        host.kill()
        stop.set()
        for thread_ in writers:
            thread_.join(timeout=60)
    assert len(registered) == 4  # the places were taken before the crash

    host.start()  # the database opens, the index is where the indexer left it
    try:
        db.session.rollback()
        bodies = db.session.scalars(select(Post.body).where(Post.thread_id == thread.id)).all()
        missing = [t for t in acknowledged if not any(t in b for b in bodies)]
        assert missing == [], f"{len(missing)} acknowledged writes lost"
        going = db.session.scalar(
            select(func.count(Registration.id)).where(
                Registration.event_id == event.id,
                Registration.status == RegistrationStatus.GOING,
            )
        )
        assert going == len(registered) == 4  # seat counts hold: one place each, no more
        engine = host.engine(app)
        assert wait_for(lambda: engine.pending() == 0 or db.session.rollback(), 60)
        status = engine.status()
        engine.forget_searchers()
        assert status["in_sync"], status  # every post in the database is in this host's index
        for token in acknowledged[:3] + acknowledged[-3:]:
            assert host.finds(token) >= 1, token
    finally:
        host.stop()

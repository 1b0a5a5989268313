"""Page speed at a chosen data size: every page kind's single-client p50/p95 and SQL statements,
then throughput against a bare Flask page under the same server, interleaved, as ratios.

Run from the repository root::

    python bench/pages.py --quick                        # S0 (the demo seed), < 1 min
    python bench/pages.py --scale 1                      # S1 on SQLite
    python bench/pages.py --scale 1 --database postgres  # a throw-away database on 127.0.0.1
    python bench/pages.py --scale 10 --requests 100 --seconds 5

Data: ``--scale 0`` is ``dpse seed`` (S0); any other scale is ``dpse demo populate --scale N``
(S1 ≈ 2,000 case studies, 20,000 posts, 350 tags; S10 ten times that and 3,000 tags), loaded
into a temporary SQLite file or a new PostgreSQL database (dropped at the end), then the search
index rebuilt.

1. **Single client**, in process (Flask's test client, no network): each page is fetched 3
   times to warm up, then ``--requests`` times; printed: p50, p95 and max ms, SQL statements per
   request (counted with a ``before_cursor_execute`` listener, as tests' ``count_queries``
   does), response size, and the status when it is not 200. Signed-in variants ("+ member")
   are fetched by a verified member signed in with the demo password.
2. **Throughput**: ``gunicorn -k gthread --workers 2 --threads 4`` serving ``dpse.wsgi:app`` on
   the same database, and the same gunicorn shape serving a bare Flask app that renders a
   ~10 KB Jinja page (bench/load.py's). Two driver processes of 4 threads each (8 clients,
   keep-alive) load one server at a time, ``--seconds`` per slot, alternating bare page and
   page kind ``--rounds`` times, so both see the same machine; the ratio is the page's
   requests/s over the bare page's in the slots beside it.

``--page-cache on|off`` sets DPSE_PAGE_CACHE (default: the app's default). Nothing is asserted;
the machine's load average is printed at the start and end.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
sys.path.insert(0, str(Path(__file__).resolve().parent))


# -- the driver (a child process: keep-alive GETs from threads for a number of seconds) --------


def drive(port: int, path: str, seconds: float, threads: int, cookie: str) -> None:
    """Print {"requests": n, "errors": e, "seconds": s} after loading one URL."""
    stop = time.perf_counter() + seconds
    counts = [0] * threads
    errors = [0] * threads
    headers = {"Cookie": cookie} if cookie else {}

    def loop(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while time.perf_counter() < stop:
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status == 200:
                    counts[i] += 1
                else:
                    errors[i] += 1
            except (OSError, http.client.HTTPException):
                errors[i] += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    start = time.perf_counter()
    workers = [threading.Thread(target=loop, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - start
    print(json.dumps({"requests": sum(counts), "errors": sum(errors), "seconds": elapsed}))


def load(port: int, path: str, seconds: float, cookie: str = "") -> tuple[float, int]:
    """Requests/s of 8 clients (2 processes x 4 threads) against one server, and errors."""
    command = [sys.executable, __file__, "--drive", str(port), path, str(seconds), "4", cookie]
    children = [subprocess.Popen(command, stdout=subprocess.PIPE, text=True) for _ in range(2)]
    results = [json.loads(c.communicate()[0]) for c in children]
    rps = sum(r["requests"] / r["seconds"] for r in results)
    return rps, sum(r["errors"] for r in results)


# -- servers ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gunicorn(app: str, chdir: Path, log: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "-k", "gthread", "--workers", "2"]
    command += ["--threads", "4", "--bind", f"127.0.0.1:{port}", "--chdir", str(chdir), app]
    server = subprocess.Popen(command, stdout=log.open("w"), stderr=subprocess.STDOUT)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/")
            if conn.getresponse().status == 200:
                return server, port
        except OSError:
            time.sleep(0.3)
    server.terminate()
    raise SystemExit(f"{app} did not start; see {log}")


def http_login(port: int, email: str, password: str) -> str:
    """Sign in over HTTP; returns the Cookie header that carries the session."""
    cookies: dict[str, str] = {}

    def request(method: str, path: str, body: str = "") -> str:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}
        if body:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body or None, headers=headers)
        response = conn.getresponse()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                cookies[name] = rest.split(";", 1)[0]
        return response.read().decode()

    token = CSRF.search(request("GET", "/login"))
    form = {"csrf_token": token.group(1) if token else "", "email": email, "password": password}
    request("POST", "/login", urlencode(form))
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


# -- the database and its data ----------------------------------------------------------------


def create_database(base: str) -> tuple[str, Any]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"dpse_bench_{secrets.token_hex(4)}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(base).set(database=name).render_as_string(hide_password=False), drop


def load_data(scale: float) -> str:
    """Migrate, load S0 or a generated scale, index; returns who signs in."""
    from flask import current_app
    from flask_migrate import upgrade
    from sqlalchemy import select

    from dpse.accounts.models import User
    from dpse.accounts.roles import Role
    from dpse.extensions import db
    from dpse.search.engine import current_engine

    upgrade(directory=current_app.extensions["migrate"].directory, revision="head")
    started = time.perf_counter()
    if scale == 0:
        from dpse.seed import load_seed

        load_seed(progress=lambda _line: None)
        current_engine().drain()
        email = "member@dpse.example"
    else:
        from dpse.populate import populate

        counts = populate(scale, seed=1)
        current_engine().rebuild()
        print("  " + ", ".join(f"{n:,} {table}" for table, n in counts.items() if n))
        email = db.session.scalar(
            select(User.email)
            .where(User.role == Role.MEMBER, User.active, User.membership_verified_at.is_not(None))
            .order_by(User.id)
            .limit(1)
        )
    print(f"  data loaded and indexed in {time.perf_counter() - started:.0f} s")
    db.session.rollback()
    return email


def pages() -> list[tuple[str, str, bool]]:
    """(kind, URL, signed in) for every page kind, on the data's typical objects."""
    from sqlalchemy import desc, func, select

    from dpse.accounts.models import Organisation, User
    from dpse.casestudies.models import CaseStudy, Status, case_study_tag
    from dpse.events.models import Event
    from dpse.extensions import db
    from dpse.forum.models import Category, Thread
    from dpse.mixins import utcnow
    from dpse.tags.models import Tag

    one = db.session.scalar
    cs = one(
        select(CaseStudy)
        .where(CaseStudy.status == Status.PUBLISHED)
        .order_by(CaseStudy.helpful_count.desc(), CaseStudy.id)
        .limit(1)
    )
    event = one(
        select(Event).where(Event.starts_at > utcnow()).order_by(Event.going_count.desc()).limit(1)
    )
    thread = one(
        select(Thread)
        .where(Thread.visible, Thread.case_study_id.is_(None), Thread.event_id.is_(None))
        .order_by(Thread.reply_count.desc())
        .limit(1)
    )
    category = db.session.get(Category, thread.category_id)
    tag = one(
        select(Tag)
        .join(case_study_tag, case_study_tag.c.tag_id == Tag.id)
        .group_by(Tag.id)
        .order_by(desc(func.count()))
        .limit(1)
    )
    org = one(
        select(Organisation)
        .where(Organisation.approved_at.is_not(None))
        .order_by(Organisation.id)
        .limit(1)
    )
    person = one(select(User).where(User.active).order_by(User.id).limit(1))
    total = one(select(func.count()).where(CaseStudy.status == Status.PUBLISHED)) or 0
    deep = max(1, total // 20 // 2)  # the middle page of the list
    word = "council"
    db.session.rollback()
    anonymous = [
        ("home", "/"),
        ("case-study list", "/case-studies"),
        ("case-study list, filtered", "/case-studies?outcome=success&sector=local-government"),
        ("case-study list, deep page", f"/case-studies?page={deep}"),
        ("case study", f"/case-studies/{cs.slug}"),
        ("events", "/events"),
        ("event", f"/events/{event.slug}" if event else "/events/past"),
        ("forum", "/forum"),
        ("category", f"/forum/{category.slug}"),
        ("thread", f"/forum/t/{thread.id}-{thread.slug}"),
        ("tag", f"/tags/{tag.slug}"),
        ("search", f"/search?q={word}"),
        ("search, facets", f"/search?q={word}&type=case_study&outcome=success"),
        ("people", "/people"),
        ("organisation", f"/organisations/{org.slug}"),
        ("person", f"/people/{person.handle}"),
    ]
    signed = {"case-study list", "case study", "event", "thread", "search, facets", "home"}
    out = [(kind, url, False) for kind, url in anonymous]
    out += [(f"{kind} + member", url, True) for kind, url in anonymous if kind in signed]
    return out


# -- single client ----------------------------------------------------------------------------


def single_client(app: Any, email: str, plan: list[tuple[str, str, bool]], n: int) -> None:
    from sqlalchemy import event

    from dpse.extensions import db

    statements = [0]

    def count(*_args: Any) -> None:
        statements[0] += 1

    anonymous, member = app.test_client(), app.test_client()
    token = CSRF.search(member.get("/login").get_data(as_text=True))
    member.post(
        "/login",
        data={
            "csrf_token": token.group(1) if token else "",
            "email": email,
            "password": "demo-password",
        },
    )
    event.listen(db.engine, "before_cursor_execute", count)
    print(f"\n{'page':<34} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7} {'SQL':>4} {'KB':>6}  status")
    try:
        for kind, url, signed_in in plan:
            client = member if signed_in else anonymous
            for _ in range(3):
                client.get(url)
            times, sql, status, size = [], [], 200, 0
            for _ in range(n):
                statements[0] = 0
                start = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - start) * 1000)
                sql.append(statements[0])
                size = len(response.data)
                status = response.status_code if response.status_code != 200 else status
            times.sort()
            p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
            shown = "" if status == 200 else status
            print(
                f"{kind:<34} {statistics.median(times):>7.1f} {p95:>7.1f} {times[-1]:>7.1f} "
                f"{statistics.median(sql):>4.0f} {size / 1024:>6.1f}  {shown}"
            )
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


# -- throughput -------------------------------------------------------------------------------


def throughput(
    tmp: Path, email: str, plan: list[tuple[str, str, bool]], seconds: float, rounds: int
) -> None:
    from load import BARE_APP, BARE_TEMPLATE

    bare_dir = tmp / "bare"
    (bare_dir / "templates").mkdir(parents=True)
    (bare_dir / "bare_app.py").write_text(BARE_APP)
    (bare_dir / "templates" / "page.html").write_text(BARE_TEMPLATE)
    dpse_server, dpse_port = gunicorn("dpse.wsgi:app", ROOT, tmp / "dpse.log")
    bare_server, bare_port = gunicorn("bare_app:app", bare_dir, tmp / "bare.log")
    try:
        cookie = http_login(dpse_port, email, "demo-password")
        conn = http.client.HTTPConnection("127.0.0.1", bare_port)
        conn.request("GET", "/")
        bare_kb = len(conn.getresponse().read()) / 1024
        print(
            f"\nThroughput: gunicorn gthread, 2 workers x 4 threads, for both servers; 8 keep-alive"
            f" clients;\n{rounds} x {seconds:g} s per page kind, interleaved with the bare page "
            f"({bare_kb:.1f} KB)"
        )
        print(f"{'page':<34} {'req/s':>8} {'bare req/s':>10} {'ratio':>7} {'errors':>6}")
        for kind, url, signed_in in plan:
            page_total = bare_total = 0.0
            errors = 0
            load(dpse_port, url, min(seconds, 1.0), cookie if signed_in else "")  # warm up
            for _ in range(rounds):
                bare_rps, _ = load(bare_port, "/", seconds)
                page_rps, failed = load(dpse_port, url, seconds, cookie if signed_in else "")
                bare_total += bare_rps
                page_total += page_rps
                errors += failed
            page_rps, bare_rps = page_total / rounds, bare_total / rounds
            print(
                f"{kind:<34} {page_rps:>8.1f} {bare_rps:>10.1f} {page_rps / bare_rps:>7.1%} "
                f"{errors:>6}"
            )
    finally:
        for server in (dpse_server, bare_server):
            server.terminate()
            server.wait(30)


# -- the run ----------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=0, help="0 = the demo seed (S0), 1 = S1")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--requests", type=int, default=40, help="per page, single client")
    parser.add_argument("--seconds", type=float, default=3, help="per throughput slot")
    parser.add_argument("--rounds", type=int, default=2, help="bare/page pairs per kind")
    parser.add_argument("--page-cache", choices=("on", "off"), help="DPSE_PAGE_CACHE")
    parser.add_argument("--no-throughput", action="store_true", help="single client only")
    parser.add_argument("--quick", action="store_true", help="S0, few requests, few kinds")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder")
    parser.add_argument("--drive", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.drive:
        port, path, seconds, threads, cookie = args.drive
        drive(int(port), path, float(seconds), int(threads), cookie)
        return 0
    if args.quick:
        args.scale, args.requests, args.seconds, args.rounds = 0, 5, 0.5, 1
    tmp = Path(tempfile.mkdtemp(prefix="dpse-bench-pages-"))
    drop = None
    if args.database == "postgres":
        url, drop = create_database(PG_SERVER)
    else:
        url = f"sqlite:///{tmp / 'bench.sqlite3'}"
    os.environ.update(
        {
            "DPSE_ENV": "development",
            "DPSE_SECRET_KEY": "bench-" + "k" * 40,
            "DPSE_INSTANCE_PATH": str(tmp / "instance"),
            "DPSE_DATABASE_URL": url,
            "DPSE_LOG_LEVEL": "WARNING",
            "DPSE_LOGIN_RATE_LIMIT": "10000 per minute",
        }
    )
    if args.page_cache:
        os.environ["DPSE_PAGE_CACHE"] = "1" if args.page_cache == "on" else "0"
    print(
        f"bench/pages.py: S{args.scale:g} on {args.database}, load average "
        f"{os.getloadavg()[0]:.2f}, {os.cpu_count()} CPUs, page cache "
        f"{args.page_cache or 'as configured'}"
    )
    try:
        from dpse import create_app

        app = create_app()
        with app.app_context():
            email = load_data(args.scale)
            plan = pages()
            print(f"  page cache: {'on' if app.config.get('PAGE_CACHE') else 'off'}")
            single_client(app, email, plan, args.requests)
            from dpse.extensions import db

            db.engine.dispose()  # the servers open their own connections
        if not args.no_throughput:
            if args.quick:
                quick = {"home", "case study", "search, facets", "case study + member"}
                plan = [p for p in plan if p[0] in quick]
            throughput(tmp, email, plan, args.seconds, args.rounds)
    finally:
        if drop is not None:
            drop()
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"\nload average at the end: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Load proof: mixed traffic from locust against `dpse serve` (4 workers, Redis), then a check
that no acknowledged write was lost, and the same load against a bare Flask page for scale.

Run from the repository root (the bench extra installs locust and redis-py)::

    python bench/load.py                        # 60 s, 16 users, SQLite
    python bench/load.py --database postgres    # a throwaway database on 127.0.0.1:5432
    python bench/load.py --seconds 90 --users 24 --baseline-seconds 30

What it starts, on loopback, in a temporary instance folder (all stopped at the end, also on
errors): ``redis-server`` on a free port (no persistence) for the shared rate-limit counts, and
``dpse serve --workers 4`` (gunicorn, gthread, 8 threads each, plus the search indexer beside
it), which migrates and loads the demo content. The rate limits stay on, but the sign-in and
posting limits are raised (``DPSE_LOGIN_RATE_LIMIT``, ``DPSE_LOGIN_ACCOUNT_RATE_LIMIT``,
``DPSE_POST_RATE_LIMIT`` = 10000 per minute) because every simulated user comes from 127.0.0.1
and posts far faster than a person; ``DPSE_HOLD_FIRST_POSTS=0`` so the new load accounts' replies
are public at once (held posts are, rightly, never searchable). Before the run it creates one
verified member account per simulated user, each the author of one published case study, through
the app's own service functions.

The traffic (locust as a library, headless, in a child process because locust patches the
standard library with gevent): each simulated user loops without pause over tasks weighted
70 % anonymous browsing (home; case-study, event and forum lists; case-study, event and thread
pages), 20 % searches with facets (type, sector, outcome, country, year, with and without
words) and 10 % signed-in writes, a third each: a forum reply, registering for (or cancelling)
an event, and an edit of the user's own case study. Each write first GETs its form for the CSRF
token. Replies and edits carry a unique token word; a write counts as acknowledged only when the
server redirected to the page with its success message.

It prints, per request kind: requests, failures, requests/s, p50/p95/p99/max ms and 5xx, then
totals. After the run it waits for the indexer to catch up (``/healthz`` ``lag_changes == 0``),
then checks every acknowledged write in the database (reply and edit tokens in the post body and
the case study's text; each user's final registration state per event) and on the search page
(``GET /search?q=<token>`` must link the post or case study), and prints the lost writes and the
writes search does not find. Finally it serves a bare Flask app rendering a ~10 KB Jinja page
with the same gunicorn shape (``-k gthread --workers 4 --threads 8``), drives it with the same
number of users for ``--baseline-seconds`` and prints two ratios per kind:

* ``share`` = the kind's requests/s in the mix / the bare page's requests/s;
* ``capacity`` = users / the kind's mean latency (the requests/s this concurrency would reach if
  every request were of this kind and took as long as it did in the mix, Little's law) / the bare
  page's requests/s. This is the one to compare across kinds.

Server lines that look like errors (tracebacks, ERROR, CRITICAL, WORKER TIMEOUT) are printed.
Exit status 1 when there was any 5xx or lost write. Caveat: locust runs on the same cores as the
server, so on a small machine it takes a share of the CPU, most of all against the bare page.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

# Only the standard library at the top: the driver process imports locust (which monkey-patches
# sockets and ssl with gevent) first; the orchestrator imports dpse and the HTTP client lazily.
ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "load-password-123"
RAISED_LIMIT = "10000 per minute"
SEARCH_WORDS = (
    "drupal", "council", "accessibility", "procurement", "open", "data", "wagtail", "health",
    "migration", "design", "localgov", "forms", "platform", "services", "ckan", "budget",
)  # fmt: skip
FACETS = {
    "type": ("case_study", "event", "thread", "post"),
    "sector": ("local-government", "central-government", "health", "education", "charity"),
    "outcome": ("success", "mixed", "failure", "ongoing"),
    "country": ("United Kingdom", "Netherlands", "Canada"),
    "year": ("2023", "2024", "2025"),
}
ERROR_LINE = re.compile(r"Traceback|\bERROR\b|\bCRITICAL\b|WORKER TIMEOUT|Exception", re.I)

# -- HTML forms ------------------------------------------------------------------------------


class FormParser(HTMLParser):
    """Every <form> on a page: its action and the (name, value) pairs a browser would send."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict[str, Any]] = []
        self._textarea: str | None = None
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append({"action": a.get("action", ""), "fields": []})
        elif not self.forms or "name" not in a and tag != "option":
            return
        elif tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self.forms[-1]["fields"].append(
                (a["name"], a.get("value", "on" if kind in ("checkbox", "radio") else ""))
            )
        elif tag == "textarea":
            self._textarea, self._text = a["name"], []
        elif tag == "select":
            self._select, self._options = a["name"], []
        elif tag == "option" and self._select is not None:
            self._options.append((a.get("value", ""), "selected" in a))

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea" and self._textarea is not None:
            text = "".join(self._text)
            # The HTML spec drops one newline right after <textarea>.
            self.forms[-1]["fields"].append((self._textarea, text.removeprefix("\n")))
            self._textarea = None
        elif tag == "select" and self._select is not None:
            chosen = [v for v, selected in self._options if selected]
            if not chosen and self._options:
                chosen = [self._options[0][0]]
            self.forms[-1]["fields"].extend((self._select, v) for v in chosen)
            self._select = None


def find_form(html: str, has_field: str = "", action_end: str = "") -> dict[str, Any] | None:
    """The first form with that field name and/or whose action ends so."""
    parser = FormParser()
    parser.feed(html)
    for form in parser.forms:
        names = {name for name, _ in form["fields"]}
        if (not has_field or has_field in names) and form["action"].endswith(action_end):
            return form
    return None


# -- the driver (a child process: locust and gevent live only here) ---------------------------


def drive(plan_path: Path, out_path: Path) -> None:
    """Run the plan's load with locust and write the figures and acknowledged writes as JSON."""
    import gevent
    from locust import HttpUser, constant, task
    from locust.clients import HttpSession
    from locust.env import Environment

    plan = json.loads(plan_path.read_text())
    fivexx: Counter[str] = Counter()
    writes: list[dict[str, Any]] = []
    refused: Counter[str] = Counter()
    refusals: list[str] = []
    accounts = iter(plan.get("accounts", []))
    tokens = iter(range(1, 10**9))

    def on_request(name: str, response: Any = None, exception: Any = None, **_: Any) -> None:
        if response is not None and getattr(response, "status_code", 0) >= 500:
            fivexx[name] += 1

    def refuse(kind: str, why: str) -> None:
        refused[kind] += 1
        if len(refusals) < 20:
            refusals.append(f"{kind}: {why}")

    class Bare(HttpUser):
        host = plan["base_url"]
        wait_time = constant(0)

        @task
        def page(self) -> None:
            self.client.get("/", name="bare page", timeout=60)

    class Visitor(HttpUser):
        """Browses and searches anonymously; writes through its own signed-in session."""

        host = plan["base_url"]
        wait_time = constant(0)

        def on_start(self) -> None:
            self.account = next(accounts)
            self.signed = HttpSession(
                base_url=self.host, request_event=self.environment.events.request, user=self
            )
            self.registered: dict[str, bool] = {}
            page = self.signed.get("/login", name="sign-in form", timeout=60)
            form = find_form(page.text, "password")
            data = dict(form["fields"]) if form else {}
            data.update(email=self.account["email"], password=PASSWORD)
            with self.signed.post(
                "/login", data=data, name="sign-in", timeout=60, catch_response=True
            ) as answer:
                if "You are signed in as" not in answer.text:
                    answer.failure("not signed in")

        def _get(self, path: str, name: str) -> None:
            self.client.get(path, name=name, timeout=60)

        @task(70)
        def browse(self) -> None:
            pick = random.random()
            if pick < 0.15:
                self._get("/", "home")
            elif pick < 0.55:
                kind = random.choice(("case studies", "events", "forum", "forum category"))
                path = {
                    "case studies": "/case-studies",
                    "events": "/events",
                    "forum": "/forum",
                    "forum category": "/forum/" + random.choice(plan["categories"]),
                }[kind]
                self._get(path, f"list: {kind}")
            else:
                kind = random.choice(("case study", "event", "thread"))
                path = {
                    "case study": lambda: "/case-studies/" + random.choice(plan["case_studies"]),
                    "event": lambda: "/events/" + random.choice(plan["events"]),
                    "thread": lambda: random.choice(plan["threads"])["url"],
                }[kind]()
                self._get(path, f"detail: {kind}")

        @task(20)
        def search(self) -> None:
            args: dict[str, str] = {}
            if random.random() < 0.8:
                args["q"] = " ".join(random.sample(SEARCH_WORDS, random.choice((1, 1, 2))))
            for facet in random.sample(sorted(FACETS), random.choice((1, 1, 2))):
                args[facet] = random.choice(FACETS[facet])
            self._get("/search?" + urlencode(args), "search with facets")

        @task(10)
        def write(self) -> None:
            random.choice((self.reply, self.register, self.edit_case_study))()

        def _token(self) -> str:
            return f"ldtk{plan['run']}{next(tokens):06d}"

        def reply(self) -> None:
            thread = random.choice(plan["threads"])
            url = thread["url"] + "/reply"
            page = self.signed.get(url, name="write: reply form", timeout=60)
            form = find_form(page.text, "body")
            if form is None:
                refuse("reply", f"no form ({page.status_code})")
                return
            token = self._token()
            data = dict(form["fields"])
            data.update(body=f"Load test reply {token}: we found the same.", action="post")
            with self.signed.post(
                url, data=data, name="write: reply", timeout=60, catch_response=True
            ) as answer:
                if answer.history and "Your reply has been posted." in answer.text:
                    writes.append({"kind": "reply", "token": token})
                else:
                    answer.failure("no success message")
                    refuse("reply", f"status {answer.status_code}")

        def register(self) -> None:
            slug = random.choice(plan["open_events"])
            page = self.signed.get(f"/events/{slug}", name="write: event page", timeout=60)
            cancel = find_form(page.text, "csrf_token", "/cancel-registration")
            form = cancel or find_form(page.text, "csrf_token", "/register")
            if form is None:
                refuse("registration", f"no form ({page.status_code})")
                return
            action = "cancel" if cancel else "register"
            with self.signed.post(
                form["action"], data=dict(form["fields"]), name=f"write: event {action}",
                timeout=60, catch_response=True,
            ) as answer:  # fmt: skip
                said = (
                    ("Your registration is cancelled",)
                    if cancel
                    else ("You have a place at this event.", "you are on the waitlist")
                )
                if answer.history and any(s in answer.text for s in said):
                    writes.append(
                        {"kind": "registration", "email": self.account["email"],
                         "event": slug, "registered": not cancel}
                    )  # fmt: skip
                else:
                    answer.failure("no success message")
                    refuse(f"event {action}", f"status {answer.status_code}")

        def edit_case_study(self) -> None:
            url = f"/case-studies/{self.account['case_study']}/edit"
            page = self.signed.get(url, name="write: case-study edit form", timeout=60)
            form = find_form(page.text, "lessons_learned")
            if form is None:
                refuse("case-study edit", f"no form ({page.status_code})")
                return
            token = self._token()
            fields = [(k, v) for k, v in form["fields"] if k != "lessons_learned"]
            lessons = dict(form["fields"])["lessons_learned"].rstrip()
            fields += [("lessons_learned", f"{lessons}\n\nLoad note {token}."), ("action", "save")]
            with self.signed.post(
                url, data=fields, name="write: case-study edit", timeout=60, catch_response=True
            ) as answer:
                if answer.history and "Your changes have been saved." in answer.text:
                    writes.append({"kind": "edit", "token": token,
                                   "case_study": self.account["case_study"]})  # fmt: skip
                else:
                    answer.failure("no success message")
                    refuse("case-study edit", f"status {answer.status_code}")

    user_class = Bare if plan["bare"] else Visitor
    env = Environment(user_classes=[user_class], stop_timeout=30)
    env.events.request.add_listener(on_request)
    runner = env.create_local_runner()
    started = time.monotonic()
    runner.start(plan["users"], spawn_rate=plan["users"])
    gevent.sleep(plan["seconds"])
    runner.quit()  # lets each user finish its task (stop_timeout), so no write is cut in half
    elapsed = time.monotonic() - started
    kinds = {}
    for (name, _method), entry in sorted(env.stats.entries.items()):
        kinds[name] = {
            "requests": entry.num_requests,
            "failures": entry.num_failures,
            "rps": entry.num_requests / elapsed,
            "mean": entry.avg_response_time,
            "p50": entry.get_response_time_percentile(0.5),
            "p95": entry.get_response_time_percentile(0.95),
            "p99": entry.get_response_time_percentile(0.99),
            "max": entry.max_response_time,
            "5xx": fivexx[name],
        }
    errors = [f"{e.name}: {e.error} x{e.occurrences}" for e in env.stats.errors.values()]
    out_path.write_text(
        json.dumps(
            {
                "elapsed": elapsed,
                "kinds": kinds,
                "writes": writes,
                "refused": dict(refused),
                "refusals": refusals,
                "errors": errors,
            }
        )
    )


# -- processes -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(command: list[str], log: Path, env: dict[str, str] | None = None) -> subprocess.Popen:
    """Start a process in its own group, its output in a log file."""
    with log.open("ab") as out:
        return subprocess.Popen(  # noqa: S603 - our own commands
            command, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=ROOT,
            start_new_session=True,
        )  # fmt: skip


def stop(process: subprocess.Popen | None, grace: float = 45) -> None:
    """SIGTERM (dpse serve forwards it to gunicorn and the indexer), then kill the group."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def get(url: str, timeout: float = 30) -> tuple[int, str]:
    """Status and body of one GET (urllib imported here: the driver never needs it)."""
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - loopback
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
    except OSError:
        return 0, ""


def wait_until(check: Any, seconds: float, what: str) -> float:
    """Poll check() every 0.5 s; return how long it took, or raise after `seconds`."""
    began = time.monotonic()
    while not check():
        if time.monotonic() - began > seconds:
            raise RuntimeError(f"gave up waiting for {what} after {seconds:.0f} s")
        time.sleep(0.5)
    return time.monotonic() - began


def indexer_caught_up(base: str) -> bool:
    status, body = get(base + "/healthz")
    if not body.startswith("{"):
        return False
    return status == 200 and json.loads(body).get("indexer", {}).get("lag_changes") == 0


def run_driver(plan: dict[str, Any], tmp: Path, name: str) -> dict[str, Any]:
    """Run `load.py --drive` in a child process and read what it wrote."""
    plan_path, out_path = tmp / f"{name}-plan.json", tmp / f"{name}-out.json"
    plan_path.write_text(json.dumps(plan))
    command = [sys.executable, __file__, "--drive", str(plan_path), str(out_path)]
    subprocess.run(command, check=True, cwd=ROOT, timeout=plan["seconds"] + 120)  # noqa: S603
    return json.loads(out_path.read_text())


# -- the portal: accounts, targets, verification ----------------------------------------------


def prepare(users: int) -> dict[str, Any]:
    """Load accounts (each with a published case study) and the pages to visit, from the DB."""
    from sqlalchemy import select

    from dpse import create_app
    from dpse.accounts.queries import get_user_by_email
    from dpse.accounts.roles import Role
    from dpse.accounts.service import create_user
    from dpse.casestudies import service as case_studies
    from dpse.casestudies.models import CaseStudy, Outcome, Sector, Status
    from dpse.casestudies.revisions import CaseStudyData
    from dpse.events.models import Event
    from dpse.events.registrations import registration_closed_reason
    from dpse.extensions import db
    from dpse.forum.models import Category, Thread

    app = create_app({"LOG_LEVEL": "WARNING"})  # the server logs; this setup need not
    with app.app_context():
        moderator = get_user_by_email("moderator@dpse.example")
        accounts = []
        for n in range(users):
            email = f"load-user-{n}@dpse.example"
            user = create_user(email, f"Load User {n}", PASSWORD, Role.MEMBER, verified=True)
            data = CaseStudyData(
                title=f"Load test case study {n}",
                summary="A case study the load benchmark edits.",
                sector=Sector.LOCAL_GOVERNMENT,
                outcome=Outcome.SUCCESS,
                challenge="Serving many people at once.",
                lessons_learned="Measure before changing anything.",
            )
            cs = case_studies.create_case_study(user, data)
            case_studies.submit(user, cs)
            case_studies.publish(moderator, cs, notify=False)
            accounts.append({"email": email, "case_study": cs.slug})
        threads = db.session.scalars(
            select(Thread).where(
                Thread.visible.is_(True),
                Thread.locked.is_(False),
                Thread.held_for_review.is_(False),
                Thread.case_study_id.is_(None),
                Thread.event_id.is_(None),
            )
        ).all()
        events = db.session.scalars(select(Event)).all()
        plan = {
            "accounts": accounts,
            "threads": [{"url": f"/forum/t/{t.id}-{t.slug}"} for t in threads],
            "categories": list(db.session.scalars(select(Category.slug))),
            "case_studies": list(
                db.session.scalars(
                    select(CaseStudy.slug).where(CaseStudy.status == Status.PUBLISHED)
                )
            ),
            "events": [e.slug for e in events],
            "open_events": [e.slug for e in events if registration_closed_reason(e) is None],
        }
        db.session.remove()
        db.engine.dispose()
    return plan


def verify(base: str, writes: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Each acknowledged write in the database and, for replies and edits, on the search page."""
    from sqlalchemy import select

    from dpse import create_app
    from dpse.accounts.models import User
    from dpse.casestudies.models import CaseStudy
    from dpse.events.models import Event, Registration
    from dpse.extensions import db
    from dpse.forum.models import Post

    lost: list[str] = []
    unsearchable: list[str] = []
    final_state: dict[tuple[str, str], bool] = {}
    app = create_app({"LOG_LEVEL": "WARNING"})
    with app.app_context():
        for write in writes:
            if write["kind"] == "registration":
                final_state[(write["email"], write["event"])] = write["registered"]
                continue
            token = write["token"]
            if write["kind"] == "reply":
                found = db.session.scalars(select(Post).where(Post.body.contains(token))).first()
                link = f"/forum/p/{found.id}" if found else ""
            else:
                found = db.session.scalars(
                    select(CaseStudy).where(CaseStudy.lessons_learned.contains(token))
                ).first()
                link = f"/case-studies/{found.slug}" if found else ""
            if found is None:
                lost.append(f"{write['kind']} {token}")
                continue
            status, page = get(f"{base}/search?{urlencode({'q': token})}")
            if status != 200 or f'href="{link}"' not in page:
                unsearchable.append(f"{write['kind']} {token} ({link}, search said {status})")
        for (email, slug), registered in final_state.items():
            row = db.session.scalars(
                select(Registration)
                .join(User, User.id == Registration.user_id)
                .join(Event, Event.id == Registration.event_id)
                .where(User.email == email, Event.slug == slug)
            ).first()
            active = row is not None and row.is_active
            if active != registered:
                lost.append(f"registration {email} {slug}: expected registered={registered}")
        db.session.remove()
        db.engine.dispose()
    return {"lost": lost, "unsearchable": unsearchable}


# -- the bare page ---------------------------------------------------------------------------

BARE_APP = """
from flask import Flask, render_template

app = Flask(__name__)
SUMMARY = "A line of text about this item. " * 3
ROWS = [{"title": f"Item {n}", "summary": SUMMARY} for n in range(62)]


@app.route("/")
def page():
    return render_template("page.html", rows=ROWS, title="Bare page")
"""
BARE_TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body><header><h1>{{ title }}</h1><nav><a href="/">Home</a></nav></header>
<main><ul>
{% for row in rows %}<li class="card"><h2><a href="/{{ loop.index }}">{{ row.title }}</a></h2>
<p>{{ row.summary }}</p></li>
{% endfor %}</ul></main><footer>{{ "Footer text. " * 10 }}</footer></body></html>
"""


def baseline(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    """Serve the bare app with the portal's gunicorn shape and load it the same way."""
    folder = tmp / "bare"
    (folder / "templates").mkdir(parents=True)
    (folder / "bare_app.py").write_text(BARE_APP)
    (folder / "templates" / "page.html").write_text(BARE_TEMPLATE)
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "-k", "gthread", "--workers", "4", "--threads"]
    command += ["8", "--reuse-port"]  # a socket per worker, as dpse.gunicorn_conf has
    command += ["--bind", f"127.0.0.1:{port}", "--chdir", str(folder), "bare_app:app"]
    server = start(command, tmp / "bare.log")
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: get(base + "/")[0] == 200, 30, "the bare app")
        size = len(get(base + "/")[1].encode())
        plan = {"base_url": base, "users": args.users, "seconds": args.baseline_seconds}
        result = run_driver({**plan, "bare": True}, tmp, "bare")
        result["size"] = size
        return result
    finally:
        stop(server)


# -- report ----------------------------------------------------------------------------------


def print_table(result: dict[str, Any], bare: dict[str, Any], users: int) -> None:
    bare_rps = bare["kinds"]["bare page"]["rps"]
    head = f"{'kind':<30} {'reqs':>6} {'fail':>5} {'req/s':>7} {'p50':>6} {'p95':>6} {'p99':>6}"
    print(head + f" {'max':>6} {'5xx':>4} {'share':>7} {'capacity':>8}")
    total = Counter()
    for name, k in result["kinds"].items():
        capacity = users / (k["mean"] / 1000) / bare_rps if k["mean"] else 0.0
        print(
            f"{name:<30} {k['requests']:>6} {k['failures']:>5} {k['rps']:>7.2f} "
            f"{k['p50']:>6.0f} {k['p95']:>6.0f} {k['p99']:>6.0f} {k['max']:>6.0f} "
            f"{k['5xx']:>4} {k['rps'] / bare_rps:>7.3f} {capacity:>8.3f}"
        )
        total.update({"requests": k["requests"], "failures": k["failures"], "5xx": k["5xx"]})
    print(
        f"{'TOTAL':<30} {total['requests']:>6} {total['failures']:>5} "
        f"{total['requests'] / result['elapsed']:>7.2f} {'':>27} {total['5xx']:>4}"
    )
    b = bare["kinds"]["bare page"]
    print(
        f"\nbare Flask page ({bare['size'] / 1024:.1f} KB, same gunicorn shape, {users} users, "
        f"{bare['elapsed']:.0f} s): {b['rps']:.1f} req/s, p50 {b['p50']:.0f} ms, "
        f"p95 {b['p95']:.0f} ms, p99 {b['p99']:.0f} ms, 5xx {b['5xx']}, failures {b['failures']}"
    )
    print("share = kind req/s in the mix / bare req/s; capacity = users / kind mean latency / "
          "bare req/s")  # fmt: skip


def server_errors(log: Path) -> list[str]:
    lines = log.read_text(errors="replace").splitlines() if log.exists() else []
    return [line for line in lines if ERROR_LINE.search(line)]


def create_database(name: str, drop: bool = False) -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/test", autocommit=True) as conn:
        if drop:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        else:
            conn.execute(f'CREATE DATABASE "{name}"')


def orchestrate(args: argparse.Namespace) -> int:  # noqa: PLR0915 - one run, in order
    tmp = Path(tempfile.mkdtemp(prefix="dpse-load-"))
    redis = server = None
    database = f"dpse_load_{os.getpid()}" if args.database == "postgres" else ""
    try:
        redis_port, port = free_port(), free_port()
        redis = start(
            ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"], tmp / "redis.log",
        )  # fmt: skip
        os.environ.update(
            DPSE_INSTANCE_PATH=str(tmp / "instance"),
            DPSE_RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{redis_port}",
            DPSE_LOGIN_RATE_LIMIT=RAISED_LIMIT,
            DPSE_LOGIN_ACCOUNT_RATE_LIMIT=RAISED_LIMIT,
            DPSE_POST_RATE_LIMIT=RAISED_LIMIT,
            DPSE_HOLD_FIRST_POSTS="0",
        )
        if database:
            create_database(database)
            os.environ["DPSE_DATABASE_URL"] = (
                f"postgresql+psycopg://postgres@127.0.0.1:5432/{database}"
            )
        base = f"http://127.0.0.1:{port}"
        log = tmp / "server.log"
        print(f"dpse serve --workers 4 on {base}, {args.database}, Redis on {redis_port}; "
              f"load average {os.getloadavg()[0]:.2f}; logs in {tmp}")  # fmt: skip
        server = start(
            [sys.executable, "-m", "dpse", "serve", "--port", str(port), "--workers", "4"], log
        )
        took = wait_until(lambda: indexer_caught_up(base), 300, "dpse serve and its indexer")
        print(f"serving and indexed after {took:.0f} s")
        plan = prepare(args.users)
        plan.update(base_url=base, users=args.users, seconds=args.seconds, bare=False)
        plan["run"] = "".join(random.choice("abcdefghjkmnpqrstuvwxyz") for _ in range(5))
        wait_until(lambda: indexer_caught_up(base), 60, "the indexer (load case studies)")
        targets = f"{len(plan['threads'])} threads, {len(plan['open_events'])} open events"
        print(f"{args.users} users, {args.seconds} s of mixed traffic ({targets})")
        result = run_driver(plan, tmp, "mix")
        print(f"load done after {result['elapsed']:.1f} s; load average {os.getloadavg()[0]:.2f}")
        took = wait_until(lambda: indexer_caught_up(base), 60, "the indexer after the run")
        print(f"indexer caught up {took:.1f} s after the run")
        checked = verify(base, result["writes"])
        stop(server)
        server = None
        bare = baseline(args, tmp)

        print()
        print_table(result, bare, args.users)
        by_kind = Counter(w["kind"] for w in result["writes"])
        print(f"\nacknowledged writes: {len(result['writes'])} ({dict(by_kind)})")
        print(f"writes not acknowledged: {sum(result['refused'].values())} {result['refused']}")
        for line in result["refusals"]:
            print(f"  {line}")
        for line in result["errors"]:
            print(f"  locust error: {line}")
        fivexx = sum(k["5xx"] for k in result["kinds"].values())
        print(f"5xx: {fivexx}")
        print(f"lost writes: {len(checked['lost'])}")
        for line in checked["lost"]:
            print(f"  {line}")
        print(f"writes not found by search: {len(checked['unsearchable'])}")
        for line in checked["unsearchable"][:20]:
            print(f"  {line}")
        errors = server_errors(log)
        print(f"server log lines that look like errors: {len(errors)}")
        for line in errors[:40]:
            print(f"  {line}")
        return 1 if fivexx or checked["lost"] else 0
    finally:
        stop(server)
        stop(redis, grace=10)
        if database:
            create_database(database, drop=True)
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=60, help="mixed traffic (default 60)")
    parser.add_argument("--users", type=int, default=16, help="simulated users (default 16)")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--baseline-seconds", type=int, default=20, help="bare page (default 20)")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder and logs")
    parser.add_argument("--drive", nargs=2, metavar=("PLAN", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.drive:
        drive(Path(args.drive[0]), Path(args.drive[1]))
        return 0
    return orchestrate(args)


if __name__ == "__main__":
    sys.exit(main())

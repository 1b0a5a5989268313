"""Walk the whole URL map with hostile input and fail on any 5xx.

Every endpoint and every method it accepts (but ``static``), as an anonymous visitor, a member
and an admin, with values from a catalogue — huge, NUL, control and bidi characters, invalid
UTF-8, lone surrogates, out-of-range and negative numbers, whitespace, duplicates — in each
path segment, in the query parameters the views read and in the fields of the forms, and
with bodies of the wrong content type. CSRF is off for this test so hostile values reach
the validators. The sample per endpoint is deterministic (seeded) and rotates through the
catalogue, so every value meets every kind of endpoint while a run stays about a minute.
CI runs it on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import json
import random
import re
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from io import BytesIO
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_wtf import FlaskForm
from werkzeug.routing import Rule
from wtforms.fields.core import UnboundField

from dpse.events.registrations import register_for_event
from dpse.extensions import db
from dpse.forum import service as forum
from dpse.moderation import service as moderation
from dpse.notifications import service as notifications
from dpse.saved_searches import service as saved_searches
from dpse.search.search_request import SearchRequest
from dpse.sitepages import service as sitepages
from dpse.sitepages.models import PageKey
from tests.casestudies.factories import make_case_study
from tests.conftest import PASSWORD
from tests.events.factories import details
from tests.forum.factories import make_category, make_thread

SEED = 12
HUGE = 100_000
LONG = 1_000

# The catalogue: str values, or bytes sent as they are (invalid UTF-8, encoded surrogates).
CATALOGUE: list[str | bytes] = [
    "x" * HUGE,
    "\x00",
    "a\x00b",
    "".join(map(chr, range(1, 32))) + "\x7f",
    "\x85\x9b\x9f",
    "\u202e\u2066evil\u2069\u200f\u200b\ufeff",
    b"\xff\xfe\xfd",
    b"\xc0\xaf\xe0\x80\xaf",
    "\ud800",  # a lone surrogate, sent as the bytes Python's surrogatepass makes of it
    "a\udfffb",
    "-1",
    "0",
    "-0",
    str(2**31),
    str(2**63),
    str(2**64),
    "-" + str(2**63 + 1),
    "9" * 5_000,
    "1e309",
    "NaN",
    "1.5",
    "0x10",
    "²",
    "١٢",
    " ",
    "\t\n\r",
    "\u00a0\u3000",
    "",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "{{ 7*7 }}",
    "../../../etc/passwd",
    "%",
    "%00",
    "_*?[]\\",
    "//evil.example/",
    "javascript:alert(1)",
    "\r\nSet-Cookie: x=1",
    "9999-99-99",
    "0001-01-01T00:00",
    "😀" * 50,
    "e\u0301" * 1_000,
    "Ω" * 300,
    "true",
    "on",
]
# Every endpoint gets these (huge, NUL, invalid UTF-8, a lone surrogate, -1, 2^31, 2^63);
# the rest of the catalogue is sampled.
ALWAYS = [0, 1, 6, 8, 10, 13, 14]

# The query parameters the views read (grep request.args, from_args, FilterForm) and the
# usual suspects.
QUERY_PARAMS = [
    "page", "q", "year", "format", "type", "sort", "sector", "country", "outcome", "tag",
    "technology", "topic", "supplier", "month", "organisation", "action", "next", "quote",
    "from", "to", "category",
]  # fmt: skip

PER_ENDPOINT = {"path": 1, "query": 4, "form": 4, "content": 3}


def _some(rng: random.Random, names: list[str], value: str | bytes) -> list[str]:
    """All the names, or for a huge value a few of them: a URL or form of 20 values of
    100,000 characters each only measures the parser (and passes MAX_CONTENT_LENGTH)."""
    return names if len(value) < LONG else sorted(rng.sample(names, min(len(names), 3)))


def _raw(value: str | bytes) -> bytes:
    return value if isinstance(value, bytes) else value.encode("utf-8", "surrogatepass")


def _all_form_fields() -> set[str]:
    """Every field name of every form class in the app."""
    names: set[str] = {"action", "up_to"}
    stack: list[type] = [FlaskForm]
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        names.update(k for k, v in vars(cls).items() if isinstance(v, UnboundField))
    return names


class FormReader(HTMLParser):
    """The forms of a page: action, fields with their first value, and button values."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict[str, Any]] = []
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append({"action": a.get("action", ""), "fields": {}, "buttons": {}})
        if not self.forms or not a.get("name"):
            return
        form, name = self.forms[-1], a["name"]
        if tag == "input" and a.get("type") in ("submit", "button", "image"):
            form["buttons"].setdefault(name, []).append(a.get("value", ""))
        elif tag == "input":
            if a.get("type") not in ("checkbox", "radio") or "checked" in a:
                form["fields"][name] = a.get("value", "")
        elif tag == "button":
            form["buttons"].setdefault(name, []).append(a.get("value", ""))
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select:
            if self._select not in form["fields"] or "selected" in a:
                form["fields"][self._select] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = name
            form["fields"][name] = ""

    def handle_data(self, data: str) -> None:
        if self._textarea and self.forms:
            self.forms[-1]["fields"][self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


@dataclass
class Fuzzer:
    """Sends the requests and keeps what answered 5xx."""

    app: Flask
    world: dict[str, Any]
    form_fields: list[str]
    sent: int = 0
    location: str = ""
    statuses: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)

    def send(self, client: FlaskClient, who: str, method: str, url: str, **kw: Any) -> int:
        """One request; a 5xx or an exception is a failure, described so it can be replayed."""
        self.sent += 1
        try:
            response = client.open(url, method=method, **kw)
            status = response.status_code
            self.location = response.headers.get("Location", "")
            response.close()
        except Exception as exc:  # any exception is the finding
            status, self.location = 500, ""
            detail = f"{type(exc).__name__}: {str(exc)[:200]}"
        else:
            detail = ""
        finally:
            db.session.remove()  # a server's next request gets a fresh session
        self.statuses[status] += 1
        if status >= 500:
            query = f"?{kw['query_string'][:300]}" if kw.get("query_string") else ""
            body = kw.get("data") if kw.get("data") is not None else kw.get("json")
            shown = f" {kw.get('content_type', 'json')} {body!r:.300}" if body is not None else ""
            self.failures.append(f"{who} {method} {url[:200]}{query}{shown} -> {status} {detail}")
        return status

    # -- one rule ---------------------------------------------------------------------------

    def real_url(self, rule: Rule, values: dict[str, str] | None = None) -> str:
        """The rule's URL with real values for its arguments (or the given raw segments)."""
        path = rule.rule
        for name in rule.arguments:
            segment = (values or {}).get(name) or quote(self.real_value(rule, name), safe="")
            path = re.sub(rf"<(?:[^<>:]+:)?{name}>", lambda _m, s=segment: s, path)
        return path

    def real_value(self, rule: Rule, name: str) -> str:
        w, r = self.world, rule.rule
        if name == "slug":
            if r.startswith("/forum/t/"):
                return w["thread_slug"]
            for prefix, key in (
                ("/events", "event_slug"),
                ("/forum", "category_slug"),
                ("/tags", "tag_slug"),
                ("/organisations", "org_slug"),
            ):
                if r.startswith(prefix):
                    return w[key]
            return w["cs_slug"]
        return str(
            {
                "user_id": w["member_id"],
                "handle": w["member_handle"],
                "organisation_id": w["org_id"],
                "thread_id": w["thread_id"],
                "post_id": w["post_id"],
                "notification_id": w["notification_id"],
                "flag_id": w["flag_id"],
                "category_id": w["category_id"],
                "saved_id": w["saved_id"],
                "registration_id": w["registration_id"],
                "report_id": w["report_id"],
                "key": "privacy",
                "number": 1,
                "target_id": w["cs_id"],
                "kind": "case_study",
                "action": "pin",
                "token": "not-a-real-token",
                "outcome": "success",
                "sector": "local-government",
                "name": "northvale",  # an identity provider (none configured: 404)
                "page": 1,
                "token_id": 1,
            }[name]
        )

    def picks(self, rng: random.Random, kind: str) -> list[str | bytes]:
        """ALWAYS plus a seeded sample of the rest, different for every rule and user."""
        rest = [v for i, v in enumerate(CATALOGUE) if i not in ALWAYS]
        return [CATALOGUE[i] for i in ALWAYS] + rng.sample(rest, PER_ENDPOINT[kind])

    def fuzz_rule(self, client: FlaskClient, who: str, rule: Rule, method: str) -> None:
        rng = random.Random(zlib.crc32(f"{SEED} {who} {rule.rule} {method}".encode()))
        url = self.real_url(rule)
        if method in ("HEAD", "OPTIONS"):  # Flask answers these from the GET view or itself
            if who != "admin":
                self.send(client, who, method, url)
            return
        # Refused before any parsing (sign in first, or not allowed): the routing and the
        # guard still meet every path value; the query and the form are not read at all.
        refused = self.send(client, who, method, url) == 403 or "/login" in self.location
        for name in rule.arguments:  # hostile path segments, the rest real
            for value in self.picks(rng, "path")[: len(ALWAYS) if refused else None]:
                segment = quote(_raw(value), safe="")
                self.send(client, who, method, self.real_url(rule, {name: segment}))
        if refused:
            return
        if method == "GET":
            self.fuzz_query(client, who, url, rng)
        else:
            self.fuzz_form(client, who, rule, url, rng)

    def fuzz_query(self, client: FlaskClient, who: str, url: str, rng: random.Random) -> None:
        for value in self.picks(rng, "query"):
            pairs = [(name, _raw(value)) for name in _some(rng, QUERY_PARAMS, value)]
            self.send(client, who, "GET", url, query_string=urlencode(pairs))
        short = [v for v in CATALOGUE if len(v) < LONG]
        mixed = [(n, _raw(rng.choice(short))) for n in QUERY_PARAMS for _ in range(2)]
        self.send(client, who, "GET", url, query_string=urlencode(mixed))

    def base_form(self, client: FlaskClient, rule: Rule, url: str) -> dict[str, Any]:
        """The form's real fields and values, read from its page (GET on the same address)."""
        if "GET" not in (rule.methods or ()):
            return {"fields": dict.fromkeys(self.form_fields, ""), "buttons": {}}
        reader = FormReader()
        reader.feed(client.get(url).get_data(as_text=True))
        db.session.remove()
        path = urlsplit(url).path
        for form in reader.forms:
            if form["action"] in ("", path) or urlsplit(form["action"]).path == path:
                return form
        return {"fields": dict.fromkeys(self.form_fields, ""), "buttons": {}}

    def fuzz_form(
        self, client: FlaskClient, who: str, rule: Rule, url: str, rng: random.Random
    ) -> None:
        base = self.base_form(client, rule, url)
        fields = dict(base["fields"])
        fields.pop("csrf_token", None)
        fields = fields or dict.fromkeys(self.form_fields, "")
        names = sorted(fields)
        buttons = {k: rng.choice(v) for k, v in sorted(base["buttons"].items())}

        def post(pairs: list[tuple[str, Any]]) -> None:
            body = urlencode([(k, _raw(v)) for k, v in pairs]).encode()
            kind = "application/x-www-form-urlencoded"
            self.send(client, who, "POST", url, data=body, content_type=kind)

        sample = self.picks(rng, "form")
        for value in sample:  # every field hostile at once
            hostile = _raw(value)
            post([*[(n, hostile) for n in _some(rng, names, value)], *buttons.items()])
        for value in rng.sample(sample, 4):  # one field hostile, the rest as the page had them
            target = rng.choice(names)
            pairs = [(n, _raw(value) if n == target else fields[n]) for n in names]
            post([*pairs, *buttons.items()])
        short = [v for v in CATALOGUE if len(v) < LONG]
        post([(n, v) for n in names for v in (fields[n], _raw(rng.choice(short)))])  # duplicates
        for case in rng.sample(CONTENT_CASES, PER_ENDPOINT["content"]):
            self.send(client, who, "POST", url, **case(names))


def _multipart(names: list[str]) -> dict[str, Any]:
    data: dict[str, Any] = {n: (BytesIO(b"\x00\xff" * 64), "x.bin") for n in names[:3]}
    return {"data": data, "content_type": "multipart/form-data"}


CONTENT_CASES = [
    lambda names: {"json": [1, 2, 3]},
    lambda names: {"json": "a string"},
    lambda names: {"json": 42},
    lambda names: {"json": {n: [1, {"a": None}] for n in names}},
    lambda names: {"data": b"[1,", "content_type": "application/json"},
    lambda names: {"data": json.dumps({"a": "\ud800"}), "content_type": "application/json"},
    lambda names: {"data": b"email=x&password=y", "content_type": "text/plain"},
    lambda names: {"data": b"<x/>", "content_type": "application/xml; charset=utf-8"},
    lambda names: {"data": b"\xff\xfe\x00\x01", "content_type": "application/octet-stream"},
    _multipart,
    lambda names: {"data": b"a=%FF%FE&" * 10, "content_type": "application/x-www-form-urlencoded"},
    lambda names: {"data": b"--x\r\nbroken", "content_type": "multipart/form-data; boundary=x"},
]  # fmt: skip

# Rules that change or remove what the other rules use go last, signing out very last.
_LATE = ("delete", "archive", "hide", "status", "move", "revoke", "cancel", "return", "logout")


def _rules(app: Flask) -> Iterator[tuple[Rule, str]]:
    rules = [r for r in app.url_map.iter_rules() if r.endpoint != "static"]
    rules.sort(key=lambda r: (sum(w in r.rule for w in _LATE), "logout" in r.rule, r.rule))
    for rule in rules:
        for method in sorted(rule.methods or ()):
            yield rule, method


@pytest.fixture
def fuzz_app(app: Flask) -> Iterator[Flask]:
    """The app with CSRF off, so hostile values reach the validators."""
    csrf = app.config.get("WTF_CSRF_ENABLED", True)
    app.config["WTF_CSRF_ENABLED"] = False
    hold = app.config["HOLD_FIRST_POSTS"]
    app.config["HOLD_FIRST_POSTS"] = 0
    try:
        yield app
    finally:
        app.config["WTF_CSRF_ENABLED"] = csrf
        app.config["HOLD_FIRST_POSTS"] = hold


@pytest.fixture
def world(users) -> dict[str, Any]:
    """Something behind every kind of address: a case study, an event, a thread with a reply,
    a flag, a notification and a saved search (ids and slugs only: sessions come and go)."""
    from dpse.events import service as events

    member, admin = users["member"], users["admin"]
    cs = make_case_study(member, status="published", moderator=users["moderator"])
    make_case_study(member, title="A draft about Wagtail")
    event = events.create_event(users["organiser"], details())
    registration = register_for_event(event, member)
    category = make_category()
    thread = make_thread(member, category, replies=1)
    post = forum.reply(users["supplier"], thread, "A reply to flag")
    flag = moderation.flag_post(member, post, "Spam, I think")
    notification = notifications.notify(member, "reply", "Someone replied", "/forum")
    saved = saved_searches.save_search(member, SearchRequest(q="drupal"))
    report = sitepages.report_problem(member, "/forum", "The focus is lost on this page")
    sitepages.save_page(admin, PageKey.PRIVACY, "# Our privacy notice")  # revision 1
    db.session.commit()
    return {
        "member_id": member.id,
        "admin_id": admin.id,
        "cs_id": cs.id,
        "cs_slug": cs.slug,
        "event_slug": event.slug,
        "category_slug": category.slug,
        "category_id": category.id,
        "thread_id": thread.id,
        "thread_slug": thread.slug,
        "post_id": post.id,
        "flag_id": flag.id,
        "notification_id": notification.id,
        "saved_id": saved.id,
        "registration_id": registration.id,
        "report_id": report.id,
        "tag_slug": "drupal",
        "org_slug": member.organisation.slug,
        "org_id": member.organisation.id,
        "member_handle": member.handle,
    }


def _client(app: Flask, who: str) -> FlaskClient:
    client = app.test_client()
    if who != "anonymous":
        data = {"email": f"{who}@testshire.gov.uk", "password": PASSWORD}
        assert client.post("/login", data=data).status_code in (302, 303), f"{who} signs in"
    db.session.remove()
    return client


def test_no_request_in_the_url_map_gets_a_server_error(fuzz_app, world):
    fuzzer = Fuzzer(fuzz_app, world, sorted(_all_form_fields()))
    for who in ("anonymous", "member", "admin"):
        client = _client(fuzz_app, who)
        for rule, method in _rules(fuzz_app):
            fuzzer.fuzz_rule(client, who, rule, method)
    print(f"fuzz: {fuzzer.sent} requests, answers {sorted(fuzzer.statuses.items())}")
    assert not fuzzer.failures, f"{len(fuzzer.failures)} of {fuzzer.sent} requests got a 5xx:\n" + (
        "\n".join(fuzzer.failures[:80])
    )

"""Cron commands run on every host at the same moment: four at once send nothing twice."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select

from dpse import mail
from dpse.extensions import db
from dpse.notifications.models import Notification
from dpse.notifications.service import notify, set_email_enabled
from dpse.saved_searches.service import save_search
from dpse.search.search_request import SearchRequest
from tests.casestudies.factories import make_case_study

ROOT = Path(__file__).resolve().parents[1]


def four_at_once(app, tmp_path: Path, *command: str) -> list[str]:
    """Run `dpse <command>` in four processes started together; their outputs."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DPSE_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "DPSE_INSTANCE_PATH": str(tmp_path / "instance"),
        "DPSE_SMTP_URL": app.config["SMTP_URL"],
    }
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "dpse", *command],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(4)
    ]
    outputs = [proc.communicate(timeout=300)[0] for proc in procs]
    for proc, output in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, output
    db.session.rollback()  # see what they committed
    return outputs


def test_mail_send_on_four_hosts_sends_each_message_once(app, tmp_path, smtp_server):
    for i in range(60):
        mail.queue_email(f"person{i}@testshire.gov.uk", f"Message {i}", "body")
    db.session.commit()
    outputs = four_at_once(app, tmp_path, "mail", "send")
    received = Counter(m["to"][0] for m in smtp_server.messages)
    assert len(received) == 60 and set(received.values()) == {1}
    assert sum(int(out.split("Sent ")[1].split()[0]) for out in outputs) == 60
    unsent = select(func.count(mail.OutboxEmail.id)).where(mail.OutboxEmail.sent_at.is_(None))
    assert db.session.scalar(unsent) == 0


def test_notifications_send_on_four_hosts_emails_each_person_once(
    app, tmp_path, smtp_server, make_people
):
    people = make_people(20)
    for person in people:
        set_email_enabled(person, True)
        for n in range(3):
            notify(person, "reply", f"Reply {n} for {person.display_name}", "/forum", email=True)
    db.session.commit()
    four_at_once(app, tmp_path, "notifications", "send")
    received = Counter(m["to"][0] for m in smtp_server.messages)
    assert sorted(received) == sorted(p.email for p in people)
    assert set(received.values()) == {1}  # three notifications, one email, sent once
    waiting = select(func.count(Notification.id)).where(Notification.email_pending.is_(True))
    assert db.session.scalar(waiting) == 0


def test_saved_search_notify_on_four_hosts_notifies_once(app, tmp_path, users, make_people):
    people = make_people(12)
    for person in people:
        save_search(person, SearchRequest(q="okapi"))
    db.session.commit()
    make_case_study(
        users["member"], status="published", moderator=users["moderator"], title="Okapi maps"
    )
    four_at_once(app, tmp_path, "search", "notify")
    kind = Notification.kind == "saved_search"
    made = db.session.scalars(select(Notification.user_id).where(kind))
    assert sorted(made) == sorted(p.id for p in people)

"""Private calendar addresses: one secret, revocable token per person."""

from __future__ import annotations

import hmac
import logging
import re

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from dpse.accounts.models import User
from dpse.events.models import CalendarFeed, new_feed_token
from dpse.extensions import db

log = logging.getLogger(__name__)
_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")


def feed_for(user: User) -> CalendarFeed | None:
    """The person's private calendar address, if they made one."""
    return db.session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user.id))


def create_or_replace_feed(user: User) -> CalendarFeed:
    """Make a new secret address; any old one stops working. Commits."""
    feed = feed_for(user)
    if feed is None:
        feed = CalendarFeed(user_id=user.id)
        db.session.add(feed)
    feed.token = new_feed_token()
    try:
        db.session.commit()
    except IntegrityError:  # a double click made one at the same moment: keep that one
        db.session.rollback()
        existing = feed_for(user)
        assert existing is not None
        return existing
    log.info("%r given a new calendar address", user)
    return feed


def revoke_feed(user: User) -> bool:
    """Turn the private address off; returns whether there was one. Commits."""
    # One DELETE statement: a double click turns it off once, the second finds nothing to do.
    deleted = db.session.execute(delete(CalendarFeed).where(CalendarFeed.user_id == user.id))
    db.session.commit()
    if not deleted.rowcount:
        return False
    log.info("%r turned off their calendar address", user)
    return True


def user_for_token(token: str) -> User | None:
    """The active person whose calendar this token opens, or None."""
    if not _TOKEN.fullmatch(token):  # also keeps NUL bytes, which PostgreSQL refuses, away
        return None
    feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.token == token))
    if feed is None or not hmac.compare_digest(feed.token, token) or not feed.user.active:
        return None
    return feed.user

"""Handles: the unique name a person is known by (`@mina-member`, `/people/mina-member`).

Display names may repeat; handles may not, and may not *look* like another's either. A handle
is 3–30 of a-z, 0-9 and hyphens (no hyphen first or last, at least one letter, so it never
reads as the numeric profile address it replaced), compared without case. Two handles
clash when their *skeletons* match: the handle folded (NFKC, casefold), hyphens dropped, and the
letter groups Unicode's confusables table maps onto one another among these characters made one
(``rn`` looks like ``m``, ``0`` like ``o``, ``1`` and ``i`` like ``l``, …). Characters outside
a-z 0-9 - are refused outright, so a Cyrillic ``о`` never reaches the comparison.

Why a module of its own: the rules are shared by registration, the account page, the admin
pages and the migration's tests, and they read nothing but the handle tables.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import event, func, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapper

from dpse.accounts.models import HANDLE_MAX, HANDLE_MIN, FormerHandle, User
from dpse.extensions import db
from dpse.mixins import utcnow

PATTERN = re.compile(rf"[a-z0-9](?:[a-z0-9-]{{{HANDLE_MIN - 2},{HANDLE_MAX - 2}}})[a-z0-9]")
CHANGE_INTERVAL = timedelta(days=30)
# Names people would take for the site speaking, or for its staff.
RESERVED = frozenset(
    [
        "admin",
        "administrator",
        "admins",
        "abuse",
        "account",
        "accounts",
        "api",
        "help",
        "helpdesk",
        "info",
        "mod",
        "mods",
        "moderator",
        "moderators",
        "moderation",
        "null",
        "official",
        "owner",
        "people",
        "postmaster",
        "privacy",
        "root",
        "security",
        "site",
        "staff",
        "support",
        "system",
        "team",
        "terms",
        "undefined",
        "webmaster",
        "dpse",
        "exchange",
    ]
)
# Letter groups that look alike among a-z 0-9 (Unicode's confusables table lists each pair),
# longest first; each becomes the character it is read as.
_LOOK_ALIKE = (("rn", "m"), ("vv", "w"), ("cl", "d"), ("0", "o"), ("1", "l"), ("i", "l"))
PROBLEMS = {
    "format": f"Use {HANDLE_MIN} to {HANDLE_MAX} of a-z, 0-9 and hyphens, with at least one "
    "letter, starting and ending with a letter or digit",
    "reserved": "That handle is kept for the site: choose another",
    "taken": "That handle is taken, or looks too much like one that is: choose another",
}


def normalise(text: str) -> str:
    """What someone typed, as a handle is stored: NFKC, case folded, spaces trimmed."""
    return unicodedata.normalize("NFKC", text).casefold().strip().lstrip("@")


def skeleton(handle: str) -> str:
    """The form two handles are compared in: look-alike letter groups made one, no hyphens."""
    folded = normalise(handle).replace("-", "")
    for group, reads_as in _LOOK_ALIKE:
        folded = folded.replace(group, reads_as)
    return folded


def format_problem(handle: str) -> str | None:
    """Why this handle cannot be anyone's, whoever asks (None when it can)."""
    if not PATTERN.fullmatch(handle) or "--" in handle or not re.search("[a-z]", handle):
        return PROBLEMS["format"]
    if skeleton(handle) in _RESERVED_SKELETONS:
        return PROBLEMS["reserved"]
    return None


_RESERVED_SKELETONS = frozenset(skeleton(word) for word in RESERVED)


def problem(handle: str, user: User | None = None) -> str | None:
    """Why ``user`` (None: someone new) cannot have this handle, or None when they can."""
    if found := format_problem(handle):
        return found
    if clashes(handle, user):
        return PROBLEMS["taken"]
    return None


def clashes(handle: str, user: User | None = None) -> bool:
    """Whether another account's handle, present or former, looks like this one (an indexed
    look-up of the skeleton; the unique index on ``handle_key`` settles a race)."""
    key, me = skeleton(handle), (user.id if user else -1)
    current = select(User.id).where(User.handle_key == key, User.id != me)
    former = select(FormerHandle.id).where(
        FormerHandle.handle_key == key, FormerHandle.user_id != me
    )
    return db.session.scalar(select(current.exists() | former.exists())) or False


def suggest(display_name: str, random: bool = False) -> str:
    """A free handle made from a name: 'Mina Member' -> 'mina-member' (or 'mina-member-2'; with
    ``random``, 'mina-member-4821')."""
    base = _base(display_name)
    if not random:
        return _free(base, clashes)
    while clashes(candidate := f"{base}-{secrets.randbelow(9000) + 1000}"):
        pass
    return candidate


def _base(display_name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", display_name).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[: HANDLE_MAX - 6].strip("-")
    return base if len(base) >= HANDLE_MIN and not format_problem(base) else "person"


def _free(base: str, taken: Callable[[str], bool]) -> str:
    candidate, n = base, 2
    while taken(candidate):
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def can_change(user: User, now: datetime | None = None) -> datetime | None:
    """None when the person may change their handle now, else the first moment they may."""
    if user.handle_changed_at is None:
        return None
    allowed = user.handle_changed_at + CHANGE_INTERVAL
    return None if (now or utcnow()) >= allowed else allowed


def by_handle(handle: str) -> tuple[User | None, bool]:
    """The account a handle names, and whether it is a former handle (a redirect)."""
    wanted = normalise(handle)
    user = db.session.scalar(select(User).where(User.handle == wanted))
    if user is not None:
        return user, False
    former = db.session.scalar(
        select(User)
        .join(FormerHandle, FormerHandle.user_id == User.id)
        .where(FormerHandle.handle == wanted)
    )
    return former, former is not None


def users_by_handles(handles: list[str]) -> list[User]:
    """The active accounts with these handles (mentions), in the order given."""
    if not handles:
        return []
    found = {
        u.handle: u
        for u in db.session.scalars(
            select(User).where(User.handle.in_(handles), User.active.is_(True))
        )
    }
    return [found[h] for h in handles if h in found]


def count_matching(text: str) -> int:
    """How many accounts' handles or names contain the text (the people directory's total)."""
    like = f"%{text.lower()}%"
    return (
        db.session.scalar(
            select(func.count(User.id)).where(
                or_(User.handle.like(like), func.lower(User.display_name).like(like))
            )
        )
        or 0
    )


@event.listens_for(User, "before_insert")
def _give_a_handle(_mapper: Mapper, connection: Connection, user: User) -> None:
    """Store the handle's skeleton beside it; accounts inserted without a handle (imports,
    fixtures) get one made from their name."""
    # Keys handed out in this transaction: one flush inserts its accounts together. Kept with
    # the transaction itself, compared by identity: keyed by id() they outlived it, and a later
    # transaction given the same id() found "taken" keys nobody had (a needless "-2").
    transaction = connection.get_transaction()
    handed_out = connection.info.get("dpse_handle_keys")
    if handed_out is None or handed_out[0] is not transaction:
        handed_out = connection.info["dpse_handle_keys"] = (transaction, set())
    keys = handed_out[1]
    if not user.handle:

        def taken(candidate: str) -> bool:
            key = skeleton(candidate)
            return key in keys or bool(
                connection.scalar(select(User.id).where(User.handle_key == key))
            )

        user.handle = _free(_base(user.display_name or ""), taken)
    user.handle = normalise(user.handle)
    user.handle_key = skeleton(user.handle)
    keys.add(user.handle_key)


@event.listens_for(User, "before_update")
def _keep_the_key(_mapper: Mapper, _connection: Connection, user: User) -> None:
    user.handle_key = skeleton(user.handle)

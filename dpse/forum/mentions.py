"""@mentions: `@Mina-Member` (spaces in the display name written as hyphens) or
`@"Mina Member"`, matched case-insensitively. Quoted text and code are not scanned, so quoting
a post does not mention its mentions again.

Why a module of its own: it is the mention syntax (a parser and its one look-up), shared by the
forms (the hint), notifying (who is mentioned) and their tests; it writes nothing.
"""

from __future__ import annotations

import re

from sqlalchemy import func, select

from dpse.accounts.models import User
from dpse.extensions import db

MAX_MENTIONS = 20
MENTION_HINT = (
    "Mention someone with @ and their name, spaces as hyphens (@Mina-Member) or in quotes "
    '(@"Mina Member"): they get a notification.'
)
# Not after a word character or @, so email addresses (name@council.gov.uk) are no mentions.
_MENTION = re.compile(r'(?<![\w@])@(?:"([^"\n]{1,100})"|([\w][\w\'-]{0,99}))')
_FENCE = re.compile(r"^ {0,3}(```|~~~).*?^ {0,3}\1[^\n]*$", re.M | re.S)
_INLINE_CODE = re.compile(r"`[^`\n]*`")


def mention_key(name: str) -> str:
    """How a display name is written in a mention, lower-cased: 'Mina Member' -> 'mina-member'."""
    return "-".join(name.split()).lower()


def mentioned_keys(body: str) -> list[str]:
    """The names mentioned in a post, as mention keys, in order and without duplicates."""
    text = _FENCE.sub("", body)
    text = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith(">"))
    text = _INLINE_CODE.sub("", text)
    keys: dict[str, None] = {}
    for quoted, bare in _MENTION.findall(text):
        key = mention_key(quoted) if quoted else bare.rstrip("-'").lower()
        if key:
            keys[key] = None
    return list(keys)[:MAX_MENTIONS]


def mentioned_users(body: str) -> list[User]:
    """Active people whose display names are mentioned (everyone sharing a mentioned name)."""
    keys = mentioned_keys(body)
    if not keys:
        return []
    normalised = func.lower(func.replace(func.trim(User.display_name), " ", "-"))
    return list(
        db.session.scalars(
            select(User)
            .where(normalised.in_(keys), User.active.is_(True))
            .order_by(User.id)
            .limit(MAX_MENTIONS)
        )
    )

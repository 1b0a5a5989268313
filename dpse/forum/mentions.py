"""@mentions: `@mina-member`, a person's handle (dpse.accounts.handles), matched without case;
it notifies exactly that person, and the stored HTML links it to their profile
(dpse.content). Quoted text and code are not scanned, so quoting a post does not mention its
mentions again.

Why a module of its own: it is the mention syntax (a parser and its one look-up), shared by the
forms (the hint), notifying (who is mentioned) and their tests; it writes nothing.
"""

from __future__ import annotations

import re

from dpse.accounts.handles import users_by_handles
from dpse.accounts.models import User
from dpse.content import MENTION

MAX_MENTIONS = 20
MENTION_HINT = (
    "Mention someone with @ and their handle, shown beside their name (@mina-member): "
    "they get a notification."
)
_FENCE = re.compile(r"^ {0,3}(```|~~~).*?^ {0,3}\1[^\n]*$", re.M | re.S)
_INLINE_CODE = re.compile(r"`[^`\n]*`")


def mentioned_handles(body: str) -> list[str]:
    """The handles mentioned in a post, lower-cased, in order and without duplicates."""
    text = _FENCE.sub("", body)
    text = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith(">"))
    text = _INLINE_CODE.sub("", text)
    handles = dict.fromkeys(h.lower() for h in MENTION.findall(text) if re.search("[a-zA-Z]", h))
    return list(handles)[:MAX_MENTIONS]


def mentioned_users(body: str) -> list[User]:
    """The active people whose handles are mentioned: one person per handle."""
    return users_by_handles(mentioned_handles(body))

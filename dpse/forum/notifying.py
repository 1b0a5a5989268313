"""Who hears about a post: followers of its thread, case study, event or tags, and the people
it mentions; each person once per post.

Why a module of its own: the forum service and moderation (approving a held post, hiding one)
both call it inside their own transactions, and it keeps service.py under 400 lines.
"""

from __future__ import annotations

from datetime import datetime

from dpse.accounts.models import User
from dpse.forum import discussions
from dpse.forum.mentions import mentioned_users
from dpse.forum.models import Post
from dpse.notifications import service as notifications
from dpse.notifications.models import TargetType
from dpse.permissions import can_view_thread
from dpse.urls import path_for


def post_path(post: Post) -> str:
    """The permalink of a post (redirects to the right page of its thread)."""
    return path_for("forum.permalink", post_id=post.id)


def notify_about(post: Post, new_thread: bool = False, when: datetime | None = None) -> int:
    """Tell followers and mentioned people about a post everyone can now see (no commit).

    One notification per person per post, whatever the reasons: a mention beats a followed
    thread, which beats a followed case study, event or tag. Returns how many were made.
    """
    thread, author = post.thread, post.author
    target = discussions.thread_kind(thread)
    about = f"“{thread.title}”"
    if target is not None:
        resolved = discussions.resolve(*target)
        about = f"“{resolved.title}”" if resolved else about
    # person id -> (rank, kind, text, person); lower rank wins
    chosen: dict[int, tuple[int, str, str, User]] = {}

    def offer(people: list[User], rank: int, kind: str, text: str) -> None:
        for person in people:
            if person.id != author.id and (person.id not in chosen or rank < chosen[person.id][0]):
                chosen[person.id] = (rank, kind, text, person)

    offer(
        mentioned_users(post.body),
        0,
        "mention",
        f"{author.display_name} (@{author.handle}) mentioned you in {about}",
    )
    verb = "commented on" if target is not None else "replied in"
    offer(
        notifications.followers_of((TargetType.THREAD, thread.id)),
        1,
        "comment" if target is not None else "reply",
        f"{author.display_name} {verb} {about}",
    )
    if target is not None:
        offer(
            notifications.followers_of((discussions.FOLLOW_TYPES[target[0]], target[1])),
            2,
            "comment",
            f"{author.display_name} {verb} {about}",
        )
    if new_thread and target is None and thread.tags:
        offer(
            notifications.followers_of(*((TargetType.TAG, t.id) for t in thread.tags)),
            3,
            "new_thread",
            f"{author.display_name} started {about} in {thread.category.name}",
        )
    source = f"post:{post.id}"
    done = notifications.already_notified(source)
    wanted = {i: c for i, c in chosen.items() if i not in done}
    # Only people who can see the thread hear about it (a held thread's followers cannot).
    wanted = {i: c for i, c in wanted.items() if can_view_thread(c[3], thread)}
    emailing = notifications.emailing(wanted)
    url = post_path(post)
    for person_id, (_rank, kind, text, person) in wanted.items():
        notifications.notify(
            person,
            kind,
            text,
            url,
            source=source,
            thread_id=thread.id,
            email=person_id in emailing,
            when=when,
        )
    return len(wanted)


def withdraw_about(post: Post) -> None:
    """Remove every notification pointing at a post (it was hidden or deleted; no commit)."""
    notifications.withdraw(f"post:{post.id}")
    notifications.withdraw(f"approved:{post.id}")
    notifications.withdraw(f"held:{post.id}")  # the moderators' note that it waited for review

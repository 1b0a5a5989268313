"""Moderation pages: the queue and audit log, members' flags, moderators' actions."""

from dpse.moderation.views import actions, flagging, queue

__all__ = ["actions", "flagging", "queue"]

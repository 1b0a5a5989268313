"""Forms for flagging and for moderators' actions."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from dpse.fields import keep_under
from dpse.moderation.models import NOTE_MAX, REASON_MAX, REASON_MIN


class FlagForm(FlaskForm):
    """A member's report."""

    reason = TextAreaField(
        "What is wrong?",
        validators=[
            DataRequired("Say what is wrong"),
            Length(
                min=REASON_MIN,
                max=REASON_MAX,
                message=f"Use {REASON_MIN} to {REASON_MAX:,} characters",
            ),
        ],
        description=(
            "For example: spam, a personal attack, someone's personal data, or advertising. "
            "Only the moderators see this."
        ),
    )


class NextForm(FlaskForm):
    """A button: CSRF token, and the page to go back to."""

    next = HiddenField()


class HideForm(NextForm):
    """Why a moderator hides a post."""

    reason = StringField(
        "Reason for hiding",
        validators=[
            DataRequired("Say why the post is hidden"),
            Length(
                min=REASON_MIN, max=NOTE_MAX, message=f"Use {REASON_MIN} to {NOTE_MAX:,} characters"
            ),
        ],
        description="Kept in the audit log. The author and other members do not see it.",
    )


class ResolveForm(NextForm):
    """Closing a flag."""

    note = StringField(
        "What was done",
        validators=[Optional(), keep_under(NOTE_MAX, "it")],
        description="Optional, e.g. 'Spoke to the author'. Empty means no action was needed.",
    )


class MoveForm(NextForm):
    """Moving a thread to another category."""

    category = SelectField("Move to category", choices=[], validate_choice=True)

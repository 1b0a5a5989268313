"""Notification settings and follow buttons."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectChoice, SelectField
from wtforms.validators import DataRequired

from dpse.notifications.models import TargetType


class SettingsForm(FlaskForm):
    """Whether notifications also arrive by email."""

    email_enabled = BooleanField(
        "Also email me my notifications",
        description=(
            "At most one email per thread per hour: several notifications arrive together."
        ),
    )


class FollowForm(FlaskForm):
    """Follow or unfollow one thing (the follow button's hidden fields)."""

    target_type = SelectField(
        "What", choices=[SelectChoice(t.value, t.label) for t in TargetType], validate_choice=True
    )
    target_id = HiddenField("Which", validators=[DataRequired()])
    next = HiddenField()

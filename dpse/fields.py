"""Form-field helpers every domain's forms share: one length check with one wording, from the
limit the model declares, and the optional text fields built on it.

Two wordings, because people read a one-line field and a text area differently:
``Title must be 200 characters or fewer`` and ``Keep the description under 50,000 characters``.
"""

from __future__ import annotations

from wtforms import StringField, TextAreaField
from wtforms.validators import Length, Optional


def must_be_at_most(limit: int, subject: str) -> Length:
    """A one-line field's limit: "<subject> must be N characters or fewer"."""
    return Length(max=limit, message=f"{subject} must be {limit:,} characters or fewer")


def keep_under(limit: int, subject: str) -> Length:
    """A text area's limit: "Keep <subject> under N characters"."""
    return Length(max=limit, message=f"Keep {subject} under {limit:,} characters")


def optional_line(
    label: str, limit: int, *, subject: str = "", description: str = ""
) -> StringField:
    """A one-line field that may be left empty; ``subject`` names it in the message (its
    label by default)."""
    return StringField(
        label,
        validators=[Optional(), must_be_at_most(limit, subject or label)],
        description=description,
    )


def optional_area(label: str, limit: int, subject: str, *, description: str = "") -> TextAreaField:
    """A text area that may be left empty ("Keep <subject> under N characters")."""
    return TextAreaField(
        label, validators=[Optional(), keep_under(limit, subject)], description=description
    )

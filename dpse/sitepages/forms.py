"""Forms: an admin's edit of a page, an accessibility problem report, marking a report handled."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from dpse.fields import (
    ALT_TEXT_HINT,
    images_need_alt_text,
    keep_under,
    must_be_at_most,
    optional_line,
)
from dpse.sitepages.models import (
    DESCRIPTION_MAX,
    DESCRIPTION_MIN,
    EMAIL_MAX,
    MAX_BODY,
    NAME_MAX,
    NOTE_MAX,
    PAGE_URL_MAX,
)

EMAIL_MESSAGE = "Enter an email address in the correct format, like name@example.org"


class PageForm(FlaskForm):
    """The page's Markdown and a note saying what changed."""

    body = TextAreaField(
        "Text of the page",
        validators=[
            DataRequired("Enter the page's text"),
            keep_under(MAX_BODY, "the text"),
            images_need_alt_text,
        ],
        description=(
            "Markdown: # for a section heading, ## for a subsection, - for a list item, "
            f"[words](address) for a link. {ALT_TEXT_HINT} Saving keeps the previous version "
            "in the page's history."
        ),
    )
    note = optional_line(
        "What changed (optional)",
        NOTE_MAX,
        subject="The note",
        description="For example: new contact address. Shown in the page's history.",
    )


class ReportForm(FlaskForm):
    """An accessibility problem: where, what, and (for visitors) how to reply."""

    page_url = optional_line(
        "Address of the page (optional)",
        PAGE_URL_MAX,
        subject="The page address",
        description="Copy it from your browser's address bar, for example /events.",
    )
    description = TextAreaField(
        "What is the problem?",
        validators=[
            DataRequired("Describe the problem"),
            Length(
                min=DESCRIPTION_MIN,
                message=f"Describe the problem in at least {DESCRIPTION_MIN} characters",
            ),
            keep_under(DESCRIPTION_MAX, "the description"),
        ],
        description=(
            "Tell us what you were trying to do, what went wrong, and any assistive "
            "technology you use (for example a screen reader or magnifier)."
        ),
    )
    name = optional_line("Your name (optional)", NAME_MAX, subject="Your name")
    email = EmailField(
        "Email address (optional)",
        validators=[
            Optional(),
            must_be_at_most(EMAIL_MAX, "Email address"),
            Email(EMAIL_MESSAGE, check_deliverability=False),
        ],
        description="We send an acknowledgement here and reply to it.",
    )

    def require_email(self) -> None:
        """Visitors must give an address; signed-in people's account address is the default."""
        self.email.label.text = "Email address"
        self.email.validators = [
            DataRequired("Enter your email address, so we can reply"),
            *self.email.validators[1:],
        ]


class HandledForm(FlaskForm):
    """Marking a report handled, with what was done."""

    note = StringField(
        "What was done (optional)",
        validators=[Optional(), must_be_at_most(NOTE_MAX, "The note")],
    )

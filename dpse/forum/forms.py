"""Forms for starting threads, replying, commenting and editing posts."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from dpse.fields import ALT_TEXT_HINT, images_need_alt_text, language_field
from dpse.forum.mentions import MENTION_HINT
from dpse.forum.models import (
    MAX_BODY,
    MAX_CATEGORY_DESCRIPTION,
    MAX_CATEGORY_NAME,
    MAX_CATEGORY_POSITION,
    MAX_TITLE,
    MIN_CATEGORY_NAME,
    MIN_TITLE,
)
from dpse.tags.service import parse_tag_names

BODY_HINT = (
    "Markdown: **bold**, *italic*, > quotes, lists, links and `code`. "
    + MENTION_HINT
    + " "
    + ALT_TEXT_HINT
)


def _body_field(label: str) -> TextAreaField:
    return TextAreaField(
        label,
        validators=[
            DataRequired("Write something before posting"),
            Length(max=MAX_BODY, message=f"Keep a post to {MAX_BODY:,} characters or fewer"),
            images_need_alt_text,
        ],
        description=BODY_HINT,
    )


class ThreadForm(FlaskForm):
    """Start a thread."""

    category = SelectField("Category", choices=[], validate_choice=True)
    title = StringField(
        "Title",
        validators=[
            DataRequired("Give the thread a title"),
            Length(
                min=MIN_TITLE,
                max=MAX_TITLE,
                message=f"The title must be {MIN_TITLE} to {MAX_TITLE:,} characters",
            ),
        ],
        description="A question or a clear subject, e.g. 'Has anyone moved from Squiz to Drupal?'",
    )
    body = _body_field("Your post")
    language = language_field()
    tags = StringField(
        "Tags",
        validators=[Optional(), Length(max=300, message="Keep the tags under 300 characters")],
        description="Up to five, separated by commas, e.g. LocalGov Drupal, accessibility.",
    )

    def tag_names(self) -> list[str]:
        """The typed tags as a clean list."""
        return parse_tag_names(self.tags.data or "")


class ReplyForm(FlaskForm):
    """Reply to a thread, or comment under a case study or event."""

    body = _body_field("Your reply")


class CommentForm(FlaskForm):
    """Comment under a case study or event."""

    body = _body_field("Your comment")


class EditPostForm(FlaskForm):
    """Change your own post."""

    body = _body_field("Your post")


class DeletePostForm(FlaskForm):
    """Confirming that you want to delete your post (a CSRF token only)."""


class CategoryForm(FlaskForm):
    """An admin's form for one category."""

    name = StringField(
        "Name",
        validators=[
            DataRequired("Give the category a name"),
            Length(
                min=MIN_CATEGORY_NAME,
                max=MAX_CATEGORY_NAME,
                message=f"The name must be {MIN_CATEGORY_NAME} to {MAX_CATEGORY_NAME:,} characters",
            ),
        ],
    )
    description = StringField(
        "Description",
        validators=[
            Optional(),
            Length(
                max=MAX_CATEGORY_DESCRIPTION,
                message=f"{MAX_CATEGORY_DESCRIPTION:,} characters or fewer",
            ),
        ],
        description="One sentence shown under the name on the forum's front page.",
    )
    position = IntegerField(
        "Position",
        validators=[
            Optional(),
            NumberRange(
                min=0,
                max=MAX_CATEGORY_POSITION,
                message=f"Use a whole number from 0 to {MAX_CATEGORY_POSITION:,}",
            ),
        ],
        description="Categories are listed from the lowest number to the highest.",
    )

"""Form-field helpers every domain's forms share: one length check with one wording, from the
limit the model declares, and the optional text fields built on it.

Two wordings, because people read a one-line field and a text area differently:
``Title must be 200 characters or fewer`` and ``Keep the description under 50,000 characters``.
"""

from __future__ import annotations

from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional, ValidationError

from dpse.content import images_without_alt
from dpse.languages import is_language_tag, language_choices, site_language


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


class LanguageField(SelectField):
    """The language a piece of content is written in: the short list, the site's first."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.choices = language_choices()

    def pre_validate(self, form: object) -> None:
        """One plain message instead of WTForms' "Not a valid choice"; a well-formed tag that is
        not on the list (stored before the list or the site's language changed) stays, and a
        form sent without the field (an older page, a script) means the site's language."""
        if not self.data:
            self.data = site_language()
        if not isinstance(self.data, str) or not is_language_tag(self.data):
            raise ValidationError("Choose a language from the list")
        self.choices = language_choices(self.data)

    def select(self, tag: str) -> None:
        """Show ``tag`` as chosen (filling an edit form), offering it even if not on the list."""
        self.data = tag
        self.choices = language_choices(tag)


def language_field() -> LanguageField:
    """The "Language" select of case-study, event and thread forms."""
    return LanguageField(
        "Language",
        default=site_language,
        description="The language you write it in, so screen readers read it out correctly.",
    )


ALT_TEXT_HINT = "Describe each image in the brackets: ![what it shows](https://…)."
ALT_TEXT_MESSAGE = (
    "Add alt text to each image: describe it between the square brackets, "
    '![like this](https://…), or in alt="…". Alt text tells people who cannot see the image '
    "what it shows"
)


def images_need_alt_text(form: object, field: object) -> None:
    """Refuse Markdown with an image that has no alt text (WCAG 1.1.1); nothing is lost, the
    form comes back with the text as it was typed."""
    if images_without_alt(getattr(field, "data", None)):
        raise ValidationError(ALT_TEXT_MESSAGE)

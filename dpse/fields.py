"""Form-field helpers every domain's forms share: one length check with one wording, from the
limit the model declares, and the optional text fields built on it.

Two wordings, because people read a one-line field and a text area differently:
``Title must be 200 characters or fewer`` and ``Keep the description under 50,000 characters``.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from wtforms import Field, SelectField, StringField, TextAreaField
from wtforms.utils import unset_value
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


class _PartsField(Field):
    """A value typed into several small boxes (GOV.UK's date input): the boxes are named
    ``<name>-<part>``. A single value under ``<name>`` (an older page, a script, the tests) is
    read with ``single_formats`` instead, so both kinds of form keep working."""

    parts: tuple[str, ...] = ()
    single_formats: tuple[str, ...] = ()

    def process(self, formdata: Any, data: Any = unset_value, extra_filters: Any = None) -> None:
        """Read the boxes (or the single value) and parse them; errors go to process_errors."""
        self.process_errors = []
        if data is unset_value:
            data = self.default() if callable(self.default) else self.default
        self.object_data = data
        self.data = data
        self.typed: dict[str, str] | None = None
        self.raw_data = []
        if formdata is None:
            return
        names = [f"{self.name}-{part}" for part in self.parts]
        if any(name in formdata for name in names):
            self.typed = {p: str(formdata.get(f"{self.name}-{p}", "")).strip() for p in self.parts}
            self.raw_data = [" ".join(self.typed.values())] if any(self.typed.values()) else []
        elif self.name in formdata:
            single = str(formdata.get(self.name, "")).strip()
            self.raw_data = [single] if single else []
            self.typed = {}
            if single:
                self.typed = self._split(single)
        else:
            return
        self.data = None
        if self.raw_data:
            try:
                self.data = self._parse()
            except ValueError as exc:
                self.process_errors.append(str(exc))

    def value_of(self, part: str) -> str:
        """What the box for ``part`` shows: what was typed, else the stored value."""
        if self.typed is not None:
            return self.typed.get(part, "")
        return self._part_of_data(part)

    def _split(self, single: str) -> dict[str, str]:
        for fmt in self.single_formats:
            try:
                parsed = datetime.strptime(single, fmt)
            except ValueError:
                continue
            return {part: str(getattr(parsed, part)) for part in self.parts}
        return {part: "" for part in self.parts} | {"invalid": single}

    def _number(self, part: str, low: int, high: int) -> int:
        assert self.typed is not None
        value = self.typed.get(part, "")
        if not value:
            raise ValueError(f"{self.label.text} must include a {part}")
        if not value.isascii() or not value.isdigit() or not low <= int(value) <= high:
            raise ValueError(self.invalid_message)
        return int(value)

    invalid_message = ""

    def _parse(self) -> Any:
        raise NotImplementedError

    def _part_of_data(self, part: str) -> str:
        return str(getattr(self.data, part)) if self.data is not None else ""


class DateInputField(_PartsField):
    """A date as day, month and year number boxes (GOV.UK date input), not a browser picker."""

    parts = ("day", "month", "year")
    single_formats = ("%Y-%m-%d", "%d/%m/%Y", "%d %B %Y", "%d %b %Y")
    invalid_message = "Enter a real date, for example 30 3 2027"

    def _parse(self) -> date:
        assert self.typed is not None
        if "invalid" in self.typed:
            raise ValueError(self.invalid_message)
        day = self._number("day", 1, 31)
        month = self._number("month", 1, 12)
        year = self._number("year", 1000, 9999)
        try:
            return date(year, month, day)
        except ValueError:
            raise ValueError(self.invalid_message) from None


class TimeInputField(_PartsField):
    """A time as hour and minute number boxes on the 24-hour clock."""

    parts = ("hour", "minute")
    single_formats = ("%H:%M", "%H:%M:%S")
    invalid_message = "Enter a real time on the 24-hour clock, for example 9 30 or 14 00"

    def _parse(self) -> time:
        assert self.typed is not None
        if "invalid" in self.typed:
            raise ValueError(self.invalid_message)
        hour = self._number("hour", 0, 23)
        minute = self._number("minute", 0, 59)
        return time(hour, minute)

    def _part_of_data(self, part: str) -> str:
        return f"{getattr(self.data, part):02d}" if self.data is not None else ""

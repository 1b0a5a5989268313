"""Forms for announcing and editing events, organiser messages, status changes and filters."""

from __future__ import annotations

from datetime import date, datetime, time

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Form,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from dpse.events.models import (
    MESSAGE_BODY_MAX,
    MESSAGE_SUBJECT_MAX,
    Event,
    EventFormat,
    EventStatus,
)
from dpse.events.times import DEFAULT_TIMEZONE, timezone_names
from dpse.fields import (
    ALT_TEXT_HINT,
    DateInputField,
    TimeInputField,
    images_need_alt_text,
    language_field,
    optional_area,
    optional_line,
)

DATE_HINT = "For example, 30 3 2027"
DATE_ERROR = "Enter a real date, for example 30 3 2027"
CHOICE_MESSAGES = {
    "timezone": "Choose a time zone from the list",
    "format": "Choose a format from the list",
    "organisation_id": "Choose an organisation from the list",
}
TIME_HINT = "24-hour clock, for example 9 30 or 14 00"
# Limits of what is typed, not of a column: the lists are parsed into tags and links.
TAGS_MAX = 500
CASE_STUDIES_MAX = 1_000


def _optional_int(value: object) -> int | None:
    try:
        return int(value) if value not in (None, "", "None") else None  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return -1  # not a choice: fails pre_validate with a clear message


def _date(label: str, required: bool, description: str = DATE_HINT) -> DateInputField:
    checks = [InputRequired(f"Enter the {label.lower()}")] if required else [Optional()]
    # Day, month and year boxes (GOV.UK date input): a browser's date picker shows the date in
    # its own format, which contradicted the hint. A single "2027-03-30" is still understood.
    return DateInputField(label, validators=checks, description=description)


def _time(label: str, required: bool) -> TimeInputField:
    checks = [InputRequired(f"Enter the {label.lower()}")] if required else [Optional()]
    # Hour and minute boxes; a single "14:00" (or "14:00:00") is still understood.
    return TimeInputField(label, validators=checks, description=TIME_HINT)


class EventForm(FlaskForm):
    """Announce or edit an event."""

    title = StringField(
        "Title",
        validators=[
            DataRequired("Enter the event's title"),
            Length(
                max=Event.TITLE_MAX,
                message=f"Title must be {Event.TITLE_MAX:,} characters or fewer",
            ),
        ],
    )
    description = TextAreaField(
        "Description",
        validators=[
            DataRequired("Describe the event"),
            Length(
                max=Event.DESCRIPTION_MAX,
                message=f"Keep the description under {Event.DESCRIPTION_MAX:,} characters",
            ),
            images_need_alt_text,
        ],
        description="Markdown is supported. Who it is for, the programme, how to get there. "
        + ALT_TEXT_HINT,
    )
    language = language_field()
    organisation_id = SelectField(
        "Organisation running it",
        coerce=_optional_int,
        validate_choice=True,
        validators=[Optional()],
    )
    start_date = _date("Start date", True)
    start_time = _time("Start time", True)
    end_date = _date("End date", True)
    end_time = _time("End time", True)
    timezone = SelectField(
        "Time zone",
        choices=[],
        default=DEFAULT_TIMEZONE,
        description="Where the event happens; people see its times in this zone.",
    )
    format = SelectField(
        "Format",
        choices=[SelectChoice(f.value, f.label) for f in EventFormat],
        default=EventFormat.IN_PERSON.value,
    )
    venue_name = optional_line(
        "Venue", Event.VENUE_NAME_MAX, description="Needed for in-person and hybrid events."
    )
    venue_address = TextAreaField(
        "Venue address",
        validators=[
            Optional(),
            Length(
                max=Event.VENUE_ADDRESS_MAX,
                message=f"Address must be {Event.VENUE_ADDRESS_MAX:,} characters or fewer",
            ),
        ],
    )
    online_url = URLField(
        "Joining link",
        validators=[
            Optional(),
            Length(
                max=Event.ONLINE_URL_MAX,
                message=f"Joining link must be {Event.ONLINE_URL_MAX:,} characters or fewer",
            ),
        ],
        description="For online and hybrid events. Only people with a place see it. "
        "You can add it later.",
    )
    capacity = IntegerField(
        "Places",
        validators=[
            Optional(),
            NumberRange(
                1, Event.CAPACITY_MAX, f"Places must be a number from 1 to {Event.CAPACITY_MAX:,}"
            ),
        ],
        description="Leave empty for no limit. When it is full, people join a waitlist.",
    )
    registration_opens_date = _date("Registration opens (date)", False, "Optional. " + DATE_HINT)
    registration_opens_time = _time("Registration opens (time)", False)
    registration_closes_date = _date(
        "Registration closes (date)", False, "Optional: by default it closes when the event ends."
    )
    registration_closes_time = _time("Registration closes (time)", False)
    tags = optional_line(
        "Tags",
        TAGS_MAX,
        description="Technologies and topics, separated by commas: drupal, accessibility",
    )

    case_studies = StringField(
        "Related case studies",
        validators=[
            Optional(),
            Length(max=CASE_STUDIES_MAX, message=f"{CASE_STUDIES_MAX:,} characters or fewer"),
        ],
        description="Web addresses of case studies on this site that the event is about, "
        "separated by commas.",
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.timezone.choices = list(timezone_names())

    def validate(self, extra_validators: object = None) -> bool:  # type: ignore[override]
        """WTForms' checks with messages in plain words, plus dates that need their time."""
        ok = super().validate(extra_validators)  # type: ignore[arg-type]
        # Plain words instead of WTForms' "Not a valid …" for what people (or bots) type.
        for name, field in self._fields.items():
            if not field.errors:
                continue
            if name in CHOICE_MESSAGES:
                field.errors = [CHOICE_MESSAGES[name]]
            elif not field.raw_data or not field.raw_data[0]:
                continue  # empty: the "Enter the …" message stands
            # Date and time boxes word their own errors ("… must include a month").
        if self.capacity.errors and self.capacity.raw_data:
            self.capacity.errors = [f"Places must be a number from 1 to {Event.CAPACITY_MAX:,}"]
        for prefix in ("registration_opens", "registration_closes"):
            day, hour = getattr(self, f"{prefix}_date"), getattr(self, f"{prefix}_time")
            if hour.data is not None and day.data is None and not day.errors:
                day.errors = list(day.errors) + ["Enter the date as well as the time"]
                ok = False
        return ok

    def local(self, prefix: str, default_time: time | None = None) -> datetime | None:
        """The naive local datetime from a date field and a time field, e.g. 'start'."""
        day: date | None = getattr(self, f"{prefix}_date").data
        hour: time | None = getattr(self, f"{prefix}_time").data or default_time
        if day is None or hour is None:
            return None
        return datetime.combine(day, hour)


class MessageForm(FlaskForm):
    """An organiser's email to the people registered."""

    subject = StringField(
        "Subject",
        validators=[
            DataRequired("Enter a subject"),
            Length(
                max=MESSAGE_SUBJECT_MAX,
                message=f"Subject must be {MESSAGE_SUBJECT_MAX:,} characters or fewer",
            ),
        ],
    )
    body = TextAreaField(
        "Message",
        validators=[
            DataRequired("Enter your message"),
            Length(
                max=MESSAGE_BODY_MAX,
                message=f"Keep the message under {MESSAGE_BODY_MAX:,} characters",
            ),
        ],
        description="Plain text. It is sent by email; replies do not reach you.",
    )
    include_waitlist = BooleanField("Send it to people on the waitlist too")


class StatusForm(FlaskForm):
    """Postpone, cancel or reinstate an event."""

    status = SelectField("New status", choices=[])
    reason = optional_area(
        "Reason",
        Event.STATUS_REASON_MAX,
        "the reason",
        description="Sent to everyone registered and shown on the event page.",
    )

    def set_choices(self, statuses: list[EventStatus]) -> None:
        """Only the moves open from the event's current status."""
        labels = {
            EventStatus.SCHEDULED: "Going ahead (reinstate)",
            EventStatus.POSTPONED: "Postponed",
            EventStatus.CANCELLED: "Cancelled (cannot be undone)",
        }
        self.status.choices = [SelectChoice(s.value, labels[s]) for s in statuses]


class FilterForm(Form):
    """The event list's filters, read from the query string (no CSRF: it changes nothing)."""

    format = SelectField(
        "Format",
        choices=[SelectChoice("", "Any format")]
        + [SelectChoice(f.value, f.label) for f in EventFormat],
        validators=[Optional()],
    )
    tag = SelectField("Topic or technology", choices=[], validators=[Optional()])
    organisation = SelectField("Organisation", choices=[], validators=[Optional()])
    month = SelectField("Month", choices=[], validators=[Optional()])


class ConfirmForm(FlaskForm):
    """A form with only a CSRF token, for buttons that change something."""

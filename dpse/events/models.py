"""Events, registrations (with the waitlist) and private calendar feed tokens."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dpse.accounts.models import Organisation, User
from dpse.casestudies.models import CaseStudy
from dpse.extensions import db
from dpse.languages import DEFAULT_LANGUAGE, LANGUAGE_MAX
from dpse.mixins import TimestampMixin, UTCDateTime, string_enum
from dpse.rendering import RenderedMarkdown, StoredHTML
from dpse.tags.models import Tag


class EventFormat(enum.StrEnum):
    """Where people attend."""

    IN_PERSON = "in-person"
    ONLINE = "online"
    HYBRID = "hybrid"

    @property
    def label(self) -> str:
        return {"in-person": "In person", "online": "Online", "hybrid": "Hybrid"}[self.value]

    @property
    def has_venue(self) -> bool:
        return self in (EventFormat.IN_PERSON, EventFormat.HYBRID)

    @property
    def is_online(self) -> bool:
        return self in (EventFormat.ONLINE, EventFormat.HYBRID)


class EventStatus(enum.StrEnum):
    """Whether an event goes ahead."""

    SCHEDULED = "scheduled"
    POSTPONED = "postponed"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class RegistrationStatus(enum.StrEnum):
    """A person's place at an event."""

    GOING = "going"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return {"going": "Going", "waitlisted": "On the waitlist", "cancelled": "Cancelled"}[
            self.value
        ]


event_tag = Table(
    "event_tag",
    db.metadata,
    Column("event_id", ForeignKey("event.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True, index=True),
)


event_case_study = Table(
    "event_case_study",
    db.metadata,
    Column("event_id", ForeignKey("event.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "case_study_id",
        ForeignKey("case_study.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)


# What an organiser may write to the people registered (sent, not stored).
MESSAGE_SUBJECT_MAX = 150
MESSAGE_BODY_MAX = 5_000


# The longest an event may last (events.service refuses longer ones): lets "not ended yet" be
# read from the start-time index, beginning this far back, instead of from every past event.
MAX_DURATION = timedelta(days=31)


class Event(RenderedMarkdown, TimestampMixin, db.Model):
    """A meetup or conference; times are stored in UTC with the IANA zone it happens in."""

    # Field limits, declared once: forms and the service take them (and their messages) from here.
    TITLE_MAX = 200
    DESCRIPTION_MAX = 50_000
    VENUE_NAME_MAX = 200
    VENUE_ADDRESS_MAX = 500
    ONLINE_URL_MAX = 500
    STATUS_REASON_MAX = 2_000
    CAPACITY_MAX = 100_000

    __tablename__ = "event"
    __markdown__ = ("description",)
    __table_args__ = (
        # The last line of defence for the capacity rule: the database refuses an overfull event.
        CheckConstraint(
            "capacity IS NULL OR going_count <= capacity", name="going_within_capacity"
        ),
        CheckConstraint("going_count >= 0", name="going_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    # BCP 47 tag of the language it is written in (pages mark its text with lang=…).
    language: Mapped[str] = mapped_column(String(LANGUAGE_MAX), default=DEFAULT_LANGUAGE)
    description: Mapped[str] = mapped_column(Text, default="")  # Markdown
    description_html: Mapped[str] = mapped_column(StoredHTML, default="")  # rendered when set
    description_text: Mapped[str] = mapped_column(Text, default="")
    organiser_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"), index=True
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    timezone: Mapped[str] = mapped_column(String(64))  # IANA name, e.g. Europe/London
    format: Mapped[EventFormat] = mapped_column(string_enum(EventFormat, "event_format", 16))
    venue_name: Mapped[str] = mapped_column(String(VENUE_NAME_MAX), default="")
    venue_address: Mapped[str] = mapped_column(String(VENUE_ADDRESS_MAX), default="")
    online_url: Mapped[str] = mapped_column(String(ONLINE_URL_MAX), default="")
    capacity: Mapped[int | None] = mapped_column()
    # Kept in step with the going registrations under the event's row lock (see registrations).
    going_count: Mapped[int] = mapped_column(default=0)
    registration_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    registration_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[EventStatus] = mapped_column(
        string_enum(EventStatus, "event_status", 16), default=EventStatus.SCHEDULED
    )
    status_reason: Mapped[str] = mapped_column(Text, default="")
    sequence: Mapped[int] = mapped_column(default=0)  # iCalendar SEQUENCE, +1 on every change

    organiser: Mapped[User] = relationship(lazy="joined", innerjoin=True)
    organisation: Mapped[Organisation | None] = relationship(lazy="joined")
    # Case studies the event is about (e.g. a show-and-tell); loaded only on the event's page.
    case_studies: Mapped[list[CaseStudy]] = relationship(
        secondary=event_case_study, order_by="CaseStudy.title"
    )
    tags: Mapped[list[Tag]] = relationship(
        secondary=event_tag, lazy="selectin", order_by=func.lower(Tag.name)
    )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def is_cancelled(self) -> bool:
        return self.status == EventStatus.CANCELLED

    @property
    def is_postponed(self) -> bool:
        return self.status == EventStatus.POSTPONED

    @property
    def is_scheduled(self) -> bool:
        """Going ahead as planned (neither postponed nor cancelled)."""
        return self.status == EventStatus.SCHEDULED

    @property
    def seats_left(self) -> int | None:
        """Free places, or None when there is no limit."""
        return None if self.capacity is None else max(self.capacity - self.going_count, 0)

    @property
    def is_full(self) -> bool:
        return self.capacity is not None and self.going_count >= self.capacity

    def __repr__(self) -> str:
        return f"<Event {self.id} {self.slug}>"


class Registration(TimestampMixin, db.Model):
    """One person's place at an event: going, on the waitlist, or given up."""

    __tablename__ = "event_registration"
    __table_args__ = (
        UniqueConstraint("event_id", "user_id"),
        Index("ix_event_registration_event_id_status_position", "event_id", "status", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[RegistrationStatus] = mapped_column(
        string_enum(RegistrationStatus, "registration_status", 16)
    )
    # Order of (re-)joining, per event: the waitlist is promoted lowest position first.
    position: Mapped[int] = mapped_column()

    event: Mapped[Event] = relationship(lazy="joined", innerjoin=True)
    user: Mapped[User] = relationship(lazy="joined", innerjoin=True)

    @property
    def is_going(self) -> bool:
        return self.status == RegistrationStatus.GOING

    @property
    def is_waitlisted(self) -> bool:
        return self.status == RegistrationStatus.WAITLISTED

    @property
    def is_active(self) -> bool:
        return self.status != RegistrationStatus.CANCELLED

    def __repr__(self) -> str:
        return f"<Registration {self.user_id} at {self.event_id}: {self.status.value}>"


def new_feed_token() -> str:
    """A random, unguessable token for a private calendar address."""
    return secrets.token_urlsafe(32)


class CalendarFeed(TimestampMixin, db.Model):
    """The secret address of one person's calendar of events they registered for."""

    __tablename__ = "event_calendar_feed"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), unique=True
    )
    token: Mapped[str] = mapped_column(String(64), unique=True, default=new_feed_token)

    user: Mapped[User] = relationship(lazy="joined", innerjoin=True)

    def __repr__(self) -> str:
        return f"<CalendarFeed of user {self.user_id}>"

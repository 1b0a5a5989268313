"""Organiser tools: announce and edit events, attendees (and their CSV), messages, status."""

from __future__ import annotations

from datetime import time

from flask import Response as FlaskResponse
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from dpse.accounts.queries import list_organisations
from dpse.confirmations import Confirmation, ConfirmationForm, confirmed, render_confirmation
from dpse.events import queries, registrations, service
from dpse.events.announcements import ATTENDING
from dpse.events.csv_export import attendees_csv
from dpse.events.forms import EventForm, MessageForm, StatusForm
from dpse.events.models import Event, EventFormat, EventStatus, RegistrationStatus
from dpse.events.times import to_local
from dpse.events.views import bp
from dpse.events.views.public import get_event_or_404
from dpse.extensions import limiter
from dpse.mixins import utcnow
from dpse.permissions import can_manage_event, can_organise_events, require
from dpse.rules import show_on_form
from dpse.tags.service import parse_tag_names
from dpse.web import form_status, form_written, signed_in_user

END_OF_DAY = time(23, 59)


def _managed_event(slug: str) -> Event:
    """The event, if the visitor may manage it (403), or a 404 page."""
    event = get_event_or_404(slug)
    require(can_manage_event(current_user, event))
    return event


def _organisation_choices() -> list[SelectChoice]:
    return [SelectChoice("", "None")] + [SelectChoice(o.id, o.name) for o in list_organisations()]


def _details(form: EventForm) -> service.EventDetails:
    """The form's contents as the service's plain arguments (the form has validated them)."""
    starts, ends = form.local("start"), form.local("end")
    assert starts is not None and ends is not None
    return service.EventDetails(
        title=form.title.data or "",
        description=form.description.data or "",
        starts_local=starts,
        ends_local=ends,
        timezone=form.timezone.data or "",
        format=EventFormat(form.format.data),
        venue_name=form.venue_name.data or "",
        venue_address=form.venue_address.data or "",
        online_url=form.online_url.data or "",
        capacity=form.capacity.data,
        organisation_id=form.organisation_id.data,
        registration_opens_local=form.local("registration_opens", time(0, 0)),
        registration_closes_local=form.local("registration_closes", END_OF_DAY),
        tags=parse_tag_names(form.tags.data or ""),
        case_studies=[a for a in (form.case_studies.data or "").split(",") if a.strip()],
        language=form.language.data or "",
    )


def _fill(form: EventForm, event: Event) -> None:
    """Put the event's current values in the form, times in its own zone."""
    form.title.data, form.description.data = event.title, event.description
    form.organisation_id.data = event.organisation_id
    form.language.select(event.language)
    for prefix, value in (
        ("start", event.starts_at),
        ("end", event.ends_at),
        ("registration_opens", event.registration_opens_at),
        ("registration_closes", event.registration_closes_at),
    ):
        local = to_local(value, event.timezone) if value else None
        getattr(form, f"{prefix}_date").data = local.date() if local else None
        getattr(form, f"{prefix}_time").data = local.time() if local else None
    form.timezone.data, form.format.data = event.timezone, event.format.value
    form.venue_name.data, form.venue_address.data = event.venue_name, event.venue_address
    form.online_url.data, form.capacity.data = event.online_url, event.capacity
    form.tags.data = ", ".join(t.name for t in event.tags)
    form.case_studies.data = ", ".join(cs.slug for cs in event.case_studies)


@bp.route("/events/new", methods=["GET", "POST"])
@login_required
def new() -> str | Response | tuple[str, int]:
    """Announce an event."""
    user = signed_in_user()
    require(can_organise_events(user))
    form = EventForm()
    form.organisation_id.choices = _organisation_choices()
    if request.method == "GET":
        form.organisation_id.data = user.organisation_id
    if form.validate_on_submit():
        try:
            event = service.create_event(user, _details(form))
        except service.EventError as exc:
            show_on_form(form, exc)
        else:
            flash("Your event is announced.", "success")
            return redirect(url_for("events.show", slug=event.slug))
    return render_template("events/form.html", form=form, event=None), form_status(form)


@bp.route("/events/<slug>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str) -> str | Response | tuple[str, int]:
    """Change an event; attendees hear about a new time or place."""
    event = _managed_event(slug)
    form = EventForm()
    form.organisation_id.choices = _organisation_choices()
    if request.method == "GET":
        _fill(form, event)
    if form_written(
        form,
        lambda: service.update_event(event, signed_in_user(), _details(form)),
        service.EventError,
    ):
        flash("The event is updated.", "success")
        return redirect(url_for("events.show", slug=event.slug))
    return render_template("events/form.html", form=form, event=event), form_status(form)


@bp.route("/events/<slug>/attendees")
@login_required
def attendees(slug: str) -> str:
    """Who is going, who is waiting, who cancelled."""
    event = _managed_event(slug)
    rows = queries.attendees(event)
    going, waiting, cancelled = (
        [r for r in rows if r.status == status]
        for status in (
            RegistrationStatus.GOING,
            RegistrationStatus.WAITLISTED,
            RegistrationStatus.CANCELLED,
        )
    )
    return render_template(
        "events/attendees.html",
        event=event,
        going=going,
        waiting=waiting,
        cancelled=cancelled,
        ended=event.ends_at <= utcnow(),
    )


@bp.route("/events/<slug>/attendees/<int:registration_id>/remove", methods=["GET", "POST"])
@login_required
def remove_attendee(slug: str, registration_id: int) -> str | Response | tuple[str, int]:
    """Take someone's place (or waitlist spot) away, after saying yes on a page that says they
    will be told and who moves up."""
    event = _managed_event(slug)
    back = url_for("events.attendees", slug=slug)
    form = ConfirmationForm()
    if confirmed(form):
        try:
            removed = registrations.remove_attendee(signed_in_user(), event, registration_id)
        except registrations.RegistrationError as exc:
            flash(exc.message, "error")
        else:
            if removed is not None:
                flash(f"{removed.user.display_name} is no longer registered.", "success")
        return redirect(back, 303)
    registration = queries.registration_of(event, registration_id)
    if registration is None or not registration.is_active:
        abort(404)
    name = registration.user.display_name
    waiting = queries.waitlist_length(event)
    moves_up = (
        " The first person on the waitlist gets the place and is told."
        if registration.is_going and waiting
        else ""
    )
    return render_confirmation(
        Confirmation(
            title=f"Remove {name} from {event.title}",
            heading=f"Remove {name} from “{event.title}”?",
            consequences=[
                f"{name} loses their "
                + ("place" if registration.is_going else "place on the waitlist")
                + f" and gets an email saying the organiser cancelled it.{moves_up}",
                "They can register again while registration is open, if there is room.",
            ],
            button=f"Remove {name}",
            back_url=back,
        ),
        form,
    )


@bp.route("/events/<slug>/attendees.csv")
@login_required
def attendees_export(slug: str) -> FlaskResponse:
    """The attendee list as a spreadsheet-safe CSV file."""
    event = _managed_event(slug)
    body = "\ufeff" + attendees_csv(queries.attendees(event))  # BOM: Excel reads UTF-8
    return FlaskResponse(
        body,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{event.slug}-attendees.csv"',
            "Cache-Control": "private, no-store",
        },
    )


@bp.route("/events/<slug>/message", methods=["GET", "POST"])
@login_required
@limiter.limit("20 per hour", methods=["POST"])
def message(slug: str) -> str | Response | tuple[str, int]:
    """Email everyone registered."""
    event = _managed_event(slug)
    form = MessageForm()
    if form.validate_on_submit():
        try:
            sent = service.message_attendees(
                event,
                signed_in_user(),
                form.subject.data or "",
                form.body.data or "",
                bool(form.include_waitlist.data),
            )
        except service.EventError as exc:
            show_on_form(form, exc)
        else:
            flash(f"Your message is on its way to {sent} {_people(sent)}.", "success")
            return redirect(url_for("events.attendees", slug=slug))
    return render_template("events/message.html", form=form, event=event), form_status(form)


def _people(n: int) -> str:
    return "person" if n == 1 else "people"


@bp.route("/events/<slug>/status", methods=["GET", "POST"])
@login_required
def status(slug: str) -> str | Response | tuple[str, int]:
    """Postpone, cancel or reinstate the event, telling everyone why."""
    event = _managed_event(slug)
    form = StatusForm()
    form.set_choices(service.allowed_statuses(event))
    if form.status.choices and form.validate_on_submit():
        chosen, reason = EventStatus(form.status.data), form.reason.data or ""
        if chosen == EventStatus.CANCELLED and reason.strip() and not confirmed(ConfirmationForm()):
            return render_confirmation(_cancelling(event, chosen, reason), ConfirmationForm())
        try:
            told = service.change_status(
                event,
                signed_in_user(),
                chosen,
                reason,
            )
        except service.EventError as exc:
            show_on_form(form, exc)
        else:
            flash(
                f"The event is now {event.status.label.lower()}; {told} {_people(told)} told.",
                "success",
            )
            return redirect(url_for("events.show", slug=slug))
    told = len(queries.attendees_to_notify(event, ATTENDING))
    return render_template(
        "events/status.html", form=form, event=event, told=f"{told} {_people(told)}"
    ), form_status(form)


def _cancelling(event: Event, status: EventStatus, reason: str) -> Confirmation:
    """What cancelling means, with how many people the email goes to."""
    told = len(queries.attendees_to_notify(event, ATTENDING))
    return Confirmation(
        title=f"Cancel the event: {event.title}",
        heading=f"Cancel “{event.title}”?",
        consequences=[
            f"We will email {told} {_people(told)} (everyone going or on the waitlist) "
            "that the event is cancelled, with your reason. Calendars that subscribed to the "
            "event show it as cancelled.",
            "A cancelled event cannot be reinstated: to hold it after all, you would announce "
            "a new event and everyone would have to register again.",
            f"Your reason: {reason.strip()}",
        ],
        button="Cancel the event and email everyone",
        back_url=url_for("events.show", slug=event.slug),
        carry={"status": status.value, "reason": reason},
    )

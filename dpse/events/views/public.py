"""What everyone sees: the event lists, an event's page, registering and your events."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import ColumnElement
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from dpse.confirmations import Confirmation, ConfirmationForm, confirmed, render_confirmation
from dpse.events import queries, registrations
from dpse.events.forms import ConfirmForm, FilterForm
from dpse.events.models import Event, EventFormat, Registration
from dpse.events.times import month_bounds, months_around
from dpse.events.views import bp
from dpse.mixins import utcnow
from dpse.pagecache import shared_when_signed_in
from dpse.permissions import can_organise_events, can_register_for_events, require
from dpse.registry import provider
from dpse.urls import absolute_url
from dpse.web import found_or_404, page_arg, page_size, signed_in_user

_FORMATS = frozenset(f.value for f in EventFormat)


def get_event_or_404(slug: str) -> Event:
    """The event, or a 404 page."""
    return found_or_404(queries.get_event(slug))


def your_registration(event: Event) -> Registration | None:
    """The visitor's registration for the event, if signed in and they have one."""
    if not current_user.is_authenticated:
        return None
    return queries.registration_for(event, current_user)


def _filters(past: bool) -> tuple[FilterForm, queries.EventFilters]:
    """The filter form filled from the URL; values that are not choices are ignored."""
    form = FilterForm(request.args)
    form.tag.choices = [SelectChoice("", "Any topic or technology")] + [
        SelectChoice(t.slug, t.name) for t in queries.event_tags(request.args.get("tag", ""))
    ]
    form.organisation.choices = [SelectChoice("", "Any organisation")] + [
        SelectChoice(o.slug, o.name)
        for o in queries.event_organisations(request.args.get("organisation", ""))
    ]
    months = months_around(utcnow(), past, 24 if past else 18)
    asked = request.args.get("month", "")
    if asked and asked not in dict(months) and month_bounds(asked):
        months.append((asked, asked))
    form.month.choices = [SelectChoice("", "Any month")] + [SelectChoice(v, n) for v, n in months]
    form.validate()
    for field in form:
        if field.errors:
            field.data, field.errors = "", []
    filters = queries.EventFilters(
        # Optional() passes whitespace through without checking the choice.
        format=EventFormat(form.format.data) if form.format.data in _FORMATS else None,
        tag=form.tag.data or "",
        organisation=form.organisation.data or "",
        month=form.month.data or "",
    )
    return form, filters


def _list(past: bool) -> str:
    form, filters = _filters(past)
    pager = queries.events_page(filters, past, page_arg(), page_size())
    mine = queries.registrations_by_event(current_user, [e.id for e in pager.items])
    filtered = any((filters.format, filters.tag, filters.organisation, filters.month))
    return render_template(
        "events/index.html",
        pager=pager,
        form=form,
        past=past,
        filtered=filtered,
        registrations=mine,
        now=utcnow(),
        filter_options=queries.FILTER_OPTIONS,
    )


@bp.route("/events")
def index() -> str:
    """Upcoming events (not yet ended), soonest first, with filters in the URL."""
    return _list(past=False)


@bp.route("/events/past")
def past() -> str:
    """Events that have ended, newest first."""
    return _list(past=True)


def _reader_involved(user_id: int, slug: str) -> ColumnElement[bool]:
    return queries.reader_involved(user_id, slug, provider("discussion_involvement"))


@bp.route("/events/<slug>")
@shared_when_signed_in(involved=_reader_involved)
def show(slug: str) -> str:
    """One event: when (in its own time zone), where, places left, and your registration."""
    event = get_event_or_404(slug)
    registration = your_registration(event)
    rank = (
        queries.waitlist_rank(registration)
        if registration is not None and registration.is_waitlisted
        else None
    )
    return render_template(
        "events/show.html",
        event=event,
        registration=registration if registration and registration.is_active else None,
        rank=rank,
        waiting=queries.waitlist_length(event),
        closed_reason=registrations.registration_closed_reason(event),
        ended=event.ends_at <= utcnow(),
        started=event.starts_at <= utcnow(),
        # Comments (a forum thread); a cancelled event keeps its comments but takes no more.
        discussion=provider("discussion")("event", event.id, current_user, not event.is_cancelled),
    )


@bp.route("/events/<slug>/register", methods=["POST"])
@login_required
def register(slug: str) -> Response:
    """Take a place, or join the waitlist when the event is full."""
    event = get_event_or_404(slug)
    require(can_register_for_events(current_user))
    if ConfirmForm().validate_on_submit():
        try:
            registration = registrations.register_for_event(event, signed_in_user())
        except registrations.RegistrationError as exc:
            flash(exc.message, "error")
        else:
            if registration.is_going:
                flash("You have a place at this event.", "success")
            else:
                rank = queries.waitlist_rank(registration)
                flash(
                    f"The event is full, so you are on the waitlist: number {rank}. "
                    "We will email you if a place comes free.",
                    "success",
                )
    return redirect(url_for("events.show", slug=slug), 303)


@bp.route("/events/<slug>/cancel-registration", methods=["GET", "POST"])
@login_required
def cancel_registration(slug: str) -> str | Response | tuple[str, int]:
    """Give up your place (the next person waiting gets it) or leave the waitlist, after
    saying yes on a page that says what you give up."""
    event = get_event_or_404(slug)
    registration = your_registration(event)
    if registration is None or not registration.is_active:
        flash("You are not registered for this event.", "info")
        return redirect(url_for("events.show", slug=slug), 303)
    form = ConfirmationForm()
    if confirmed(form):
        try:
            registrations.cancel_registration(event, signed_in_user())
        except registrations.RegistrationError as exc:
            flash(exc.message, "error")
        else:
            flash("Your registration is cancelled. Thank you for freeing the place.", "success")
        return redirect(url_for("events.show", slug=slug), 303)
    return render_confirmation(_cancellation(event, registration), form)


def _cancellation(event: Event, registration: Registration) -> Confirmation:
    """What giving up a place, or a place in the waitlist, means."""
    back = url_for("events.show", slug=event.slug)
    if registration.is_going:
        waiting = queries.waitlist_length(event)
        after = (
            f"It goes to the first of the {waiting} people on the waitlist."
            if waiting > 1
            else "It goes to the person on the waitlist."
            if waiting
            else "Someone else can take it."
        )
        return Confirmation(
            title=f"Cancel your place at {event.title}",
            heading=f"Cancel your place at “{event.title}”?",
            consequences=[
                f"You will no longer have a place. {after}",
                "If you change your mind, you register again and may find the event full.",
            ],
            button="Cancel my place",
            back_url=back,
        )
    rank = queries.waitlist_rank(registration)
    return Confirmation(
        title=f"Leave the waitlist for {event.title}",
        heading=f"Leave the waitlist for “{event.title}”?",
        consequences=[
            f"You are number {rank} on the waitlist. If you leave and join again, "
            "you go to the end of it."
        ],
        button="Leave the waitlist",
        back_url=back,
    )


@bp.route("/events/mine")
@login_required
def mine() -> str:
    """Events you registered for or organise, and your private calendar address."""
    user = signed_in_user()
    feed = queries.feed_for(user)
    feed_url = absolute_url("events.private_feed", token=feed.token) if feed else ""
    return render_template(
        "events/mine.html",
        upcoming=queries.my_registrations(user),
        attended=queries.my_registrations(user, past=True),
        organised=queries.organised_by(user) if can_organise_events(user) else [],
        feed=feed,
        feed_url=feed_url,
        webcal_url="webcal://" + feed_url.split("://", 1)[-1],
        confirm=ConfirmForm(),
    )

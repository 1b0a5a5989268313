"""Calendar files: one event, the public feed, and each person's private feed."""

from __future__ import annotations

from datetime import timedelta

from flask import Response as FlaskResponse
from flask import current_app, flash, redirect, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from dpse.confirmations import Confirmation, ConfirmationForm, confirmed, render_confirmation
from dpse.events import ical, queries, service
from dpse.events.views import bp
from dpse.events.views.public import get_event_or_404, your_registration
from dpse.mixins import utcnow
from dpse.permissions import can_see_joining_link
from dpse.web import found_or_404, signed_in_user

# Feeds keep recently ended events, so subscribed calendars do not drop them the day after.
PUBLIC_FEED_KEEPS = timedelta(days=30)
PRIVATE_FEED_KEEPS = timedelta(days=365)
FEED_LIMIT = 500


def _calendar_response(body: bytes, filename: str | None, cache: str) -> FlaskResponse:
    response = FlaskResponse(body, mimetype="text/calendar")
    response.headers["Cache-Control"] = cache
    if filename:
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.route("/events/<slug>.ics")
def event_ics(slug: str) -> FlaskResponse:
    """Add one event to your calendar (with the joining link if you have a place)."""
    event = get_event_or_404(slug)
    registration = your_registration(event)
    show = can_see_joining_link(current_user, event, registration)
    body = ical.calendar([event], event.title, {event.id} if show else frozenset())
    return _calendar_response(body, f"{event.slug}.ics", "private, max-age=60")


@bp.route("/events.ics")
def events_ics() -> FlaskResponse:
    """Every upcoming event (and those just ended) as a calendar to subscribe to."""
    since = utcnow() - PUBLIC_FEED_KEEPS
    events = queries.events_ending_since(since, FEED_LIMIT)
    name = f"{current_app.config['SITE_NAME']} events"
    return _calendar_response(ical.calendar(events, name), None, "public, max-age=300")


@bp.route("/events/feed/<token>.ics")
def private_feed(token: str) -> FlaskResponse:
    """The events one person is going to, at their secret address."""
    user = found_or_404(queries.user_for_token(token))
    since = utcnow() - PRIVATE_FEED_KEEPS
    events = queries.events_going_since(user, since, FEED_LIMIT)
    name = f"My events on {current_app.config['SITE_NAME']}"
    body = ical.calendar(events, name, {e.id for e in events})
    response = _calendar_response(body, None, "private, max-age=300")
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _feed_confirmation(title: str, heading: str, button: str, first: str) -> Confirmation:
    return Confirmation(
        title=title,
        heading=heading,
        consequences=[
            first,
            "Calendars subscribed to it stop updating and will not show your events any more: "
            "you have to subscribe again, with a new address, in each of them.",
        ],
        button=button,
        back_url=url_for("events.mine", _anchor="calendar"),
    )


@bp.route("/events/mine/calendar", methods=["GET", "POST"])
@login_required
def create_feed() -> str | Response | tuple[str, int]:
    """Make (or remake) your private calendar address; replacing one that exists, which stops
    the old one working, asks first."""
    had = queries.feed_for(current_user) is not None
    form = ConfirmationForm()
    if (form.validate_on_submit() and not had) or confirmed(form):
        service.create_or_replace_feed(signed_in_user())
        flash(
            "Your new private calendar address is below. The old one no longer works."
            if had
            else "Your private calendar address is below.",
            "success",
        )
        return redirect(url_for("events.mine", _anchor="calendar"), 303)
    if not had:
        return redirect(url_for("events.mine", _anchor="calendar"), 303)
    return render_confirmation(
        _feed_confirmation(
            "Replace your private calendar address",
            "Make a new private calendar address?",
            "Make a new address",
            "Your current address stops working for good, and a new one takes its place.",
        ),
        form,
    )


@bp.route("/events/mine/calendar/revoke", methods=["GET", "POST"])
@login_required
def revoke_feed() -> str | Response | tuple[str, int]:
    """Turn your private calendar address off, after saying yes on a page that says what
    stops working."""
    if queries.feed_for(current_user) is None:
        return redirect(url_for("events.mine", _anchor="calendar"), 303)
    form = ConfirmationForm()
    if confirmed(form):
        if service.revoke_feed(signed_in_user()):
            flash("Your private calendar address is turned off.", "success")
        return redirect(url_for("events.mine", _anchor="calendar"), 303)
    return render_confirmation(
        _feed_confirmation(
            "Turn off your private calendar address",
            "Turn off your private calendar address?",
            "Turn the address off",
            "The address stops working for good. You can make a new one later.",
        ),
        form,
    )

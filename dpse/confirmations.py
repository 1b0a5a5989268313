"""Confirmation pages for actions that cannot be undone (WCAG 3.3.4).

The object's page links (GET) to the action's address, which shows what will happen; only the
form on that page, with its CSRF token and ``confirm=yes``, makes the action happen. A POST
without the confirmation (an old one-click button, a stale tab) shows the page again and does
nothing. Every such page looks alike: templates/confirm.html.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from flask import render_template
from flask_wtf import FlaskForm
from wtforms import HiddenField

from dpse.web import form_status


class ConfirmationForm(FlaskForm):
    """Saying yes on a confirmation page: a CSRF token and a hidden ``confirm=yes``."""

    confirm = HiddenField()  # no default: a form without it must not count as a yes


@dataclass(frozen=True)
class Confirmation:
    """What a confirmation page says: the question, its consequences, the button."""

    title: str  # the page title: names the action and the object
    heading: str  # the question, e.g. "Delete the draft “Cloud move”?"
    consequences: list[str]
    button: str  # names the action, e.g. "Delete the draft"
    back_url: str  # "No, go back" leads here
    carry: Mapping[str, str] = field(default_factory=dict)  # fields of a form confirmed later


def confirmed(form: ConfirmationForm) -> bool:
    """Whether the person said yes on the confirmation page (token checked too)."""
    return bool(form.validate_on_submit() and form.confirm.data == "yes")


def render_confirmation(confirmation: Confirmation, form: ConfirmationForm) -> tuple[str, int]:
    """The confirmation page (400 when its form came back with an error)."""
    page = render_template("confirm.html", confirmation=confirmation, form=form)
    return page, form_status(form)

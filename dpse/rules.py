"""The one shape of a broken business rule, and how a form shows it."""

from __future__ import annotations

from collections.abc import Mapping

from flask_wtf import FlaskForm
from sqlalchemy.exc import IntegrityError

from dpse.extensions import db


class RuleError(Exception):
    """A service refused: ``message`` is for people, ``field`` names the form field it is about."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def commit_or_raise(error: RuleError) -> None:
    """Commit the session's work; when a constraint refuses it — a racing writer got there a
    moment before (the same report twice, an address just taken) — roll back and raise
    ``error``, which tells the person what happened."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise error from None


def show_on_form(form: FlaskForm, exc: RuleError, aliases: Mapping[str, str] | None = None) -> None:
    """Put the message next to its field (a service name may map to another form field name),
    or at the top of the form when it belongs to no field."""
    name = (aliases or {}).get(exc.field or "", exc.field)
    field = getattr(form, name, None) if name else None
    if field is not None and hasattr(field, "errors"):
        field.errors = list(field.errors) + [exc.message]
    else:
        form.form_errors.append(exc.message)

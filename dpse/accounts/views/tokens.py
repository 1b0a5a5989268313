"""Personal API tokens on the account page: the list, making one (its secret shown once) and
revoking one after a confirmation page."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import RadioField, SelectChoice, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from dpse.accounts import tokens
from dpse.accounts.views import bp
from dpse.confirmations import Confirmation, ConfirmationForm, confirmed, render_confirmation
from dpse.extensions import limiter
from dpse.rules import show_on_form
from dpse.web import form_status, signed_in_user


class ScopeChoices(SelectMultipleField):
    """Checkboxes, one per scope."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _chosen(form: FlaskForm, field: SelectMultipleField) -> None:
    if not field.data:
        raise ValidationError("Choose what the token may do")


class TokenForm(FlaskForm):
    """Make a token: its name, what it may do, when it expires."""

    name = StringField(
        "Name",
        validators=[
            DataRequired("Enter a name for the token, such as the script that will use it"),
            Length(
                max=tokens.NAME_MAX, message=f"Name must be {tokens.NAME_MAX} characters or fewer"
            ),
        ],
        description="So you know which script or service uses it, e.g. 'Council website sync'.",
    )
    scopes = ScopeChoices(
        "What it may do",
        choices=[SelectChoice(s.value, s.label) for s in tokens.Scope],
        default=[tokens.Scope.READ.value],
        # Not DataRequired: that would mark each checkbox required, and one is enough.
        validators=[_chosen],
    )
    expires_in = RadioField(
        "Expires after",
        choices=[SelectChoice(str(d), f"{d} days") for d in tokens.EXPIRY_DAYS],
        default="90",
        validators=[DataRequired("Choose when the token expires")],
    )


def _private(page: str, status: int = 200) -> Response:
    """Pages about tokens are kept out of every cache (the new one shows a secret)."""
    response = current_app.make_response((page, status))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/account/tokens", methods=["GET", "POST"])
@login_required
@limiter.limit("20 per hour", methods=["POST"])
def api_tokens() -> ResponseReturnValue:
    """Your API tokens, and the form to make one."""
    user = signed_in_user()
    form = TokenForm()
    if form.validate_on_submit():
        try:
            token, secret = tokens.create_token(
                user,
                form.name.data or "",
                [tokens.Scope(s) for s in form.scopes.data or []],
                int(form.expires_in.data or 0),
            )
        except tokens.TokenError as exc:
            show_on_form(form, exc)
        else:
            page = render_template("accounts/token_created.html", token=token, secret=secret)
            return _private(page)
    page = render_template("accounts/tokens.html", form=form, tokens=tokens.tokens_of(user))
    return _private(page, form_status(form))


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["GET", "POST"])
@login_required
def revoke_api_token(token_id: int) -> ResponseReturnValue:
    """Revoke one of your tokens, after saying what that stops."""
    user = signed_in_user()
    token = tokens.get_token(token_id)
    if token is None or token.user_id != user.id or token.revoked_at is not None:
        abort(404)  # someone else's token is not even acknowledged
    form = ConfirmationForm()
    if confirmed(form):
        tokens.revoke_token(user, token)
        flash(f"The token “{token.name}” is revoked: it no longer works.", "success")
        return redirect(url_for("accounts.api_tokens"))
    confirmation = Confirmation(
        title=f"Revoke the token {token.name}",
        heading=f"Revoke the token “{token.name}” ({token.shown_prefix}…)?",
        consequences=[
            "Every script or service that sends this token will be refused from then on, "
            "with 401 Unauthorized. This cannot be undone: to let them in again, make a new "
            "token and give it to them.",
            "Drafts already made with it stay yours.",
        ],
        button="Revoke the token",
        back_url=url_for("accounts.api_tokens"),
    )
    return render_confirmation(confirmation, form)

"""Two-factor sign-in pages: the second step of signing in (a code from the app, or a recovery
code), and setting it up, making new recovery codes and turning it off from your account."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from dpse.accounts import twofactor
from dpse.accounts.forms import RecoveryCodeForm, TwoFactorCodeForm, TwoFactorDisableForm
from dpse.accounts.service import AccountError
from dpse.accounts.views import bp
from dpse.accounts.views.auth import (
    finish_sign_in,
    held_account_key,
    held_sign_in,
    safe_next,
)
from dpse.extensions import limiter
from dpse.permissions import can_moderate
from dpse.rules import show_on_form
from dpse.web import form_status, signed_in_user


def _client_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _code_limit() -> str:
    return current_app.config["TWO_FACTOR_RATE_LIMIT"]


def _signed_in_key() -> str:
    return f"two-factor:{current_user.get_id()}"


def _private(page: str, status: int = 200) -> Response:
    """A page showing a secret or recovery codes: kept out of every cache and history copy."""
    response = current_app.make_response((page, status))
    response.headers["Cache-Control"] = "no-store"
    return response


def _start_again() -> Response:
    flash("Sign in again: it has been too long since you entered your password.", "info")
    return redirect(url_for("accounts.login"))


# Both ways to finish a sign-in share one allowance per client and one per account, so
# switching between the two pages gives no extra guesses.
_client_attempts = limiter.shared_limit(_client_limit, scope="second-step", methods=["POST"])
_account_attempts = limiter.shared_limit(
    _code_limit, scope="second-step-account", methods=["POST"], key_func=held_account_key
)


@bp.route("/login/two-factor", methods=["GET", "POST"])
@_client_attempts
@_account_attempts
def login_two_factor() -> ResponseReturnValue:
    """The second step of signing in: the code the authenticator app shows now."""
    held = held_sign_in()
    if held is None:
        return _start_again()
    form = TwoFactorCodeForm()
    if form.validate_on_submit():
        if twofactor.check_sign_in_code(held.user, form.code.data):
            return finish_sign_in(held.user, held.remember, held.next_url)
        form.code.errors = [twofactor.WRONG_CODE]
    return render_template("accounts/twofactor_login.html", form=form), form_status(form)


@bp.route("/login/recovery-code", methods=["GET", "POST"])
@_client_attempts
@_account_attempts
def login_recovery_code() -> ResponseReturnValue:
    """The second step of signing in with a saved recovery code instead (each works once)."""
    held = held_sign_in()
    if held is None:
        return _start_again()
    form = RecoveryCodeForm()
    if form.validate_on_submit():
        if twofactor.use_recovery_code(held.user, form.recovery_code.data):
            flash("You used a recovery code: make new ones if few are left.", "info")
            return finish_sign_in(held.user, held.remember, held.next_url)
        form.recovery_code.errors = [
            "That is not one of your unused recovery codes. Check it and try again"
        ]
    return render_template("accounts/twofactor_recovery.html", form=form), form_status(form)


def _show_codes(codes: list[str], continue_url: str) -> Response:
    page = render_template("accounts/twofactor_codes.html", codes=codes, continue_url=continue_url)
    return _private(page)


@bp.route("/account/two-factor/setup", methods=["GET", "POST"])
@login_required
@limiter.limit(_code_limit, methods=["POST"], key_func=_signed_in_key)
def two_factor_setup() -> ResponseReturnValue:
    """Scan the QR code (or type the key), then confirm with a code from the app."""
    user = signed_in_user()
    continue_url = safe_next(request.args.get("next"), url_for("accounts.account"))
    if twofactor.is_enabled(user):
        flash("Two-factor sign-in is already on.", "info")
        return redirect(url_for("accounts.account"))
    secret = twofactor.start_setup(user)
    form = TwoFactorCodeForm()
    if form.validate_on_submit():
        try:
            codes = twofactor.enable(user, form.code.data)
        except AccountError as exc:
            show_on_form(form, exc)
        else:
            flash("Two-factor sign-in is on.", "success")
            return _show_codes(codes, continue_url)
    page = render_template(
        "accounts/twofactor_setup.html",
        form=form,
        qr_code=twofactor.qr_svg(twofactor.provisioning_uri(user, secret)),
        secret=twofactor.grouped(secret),
        required=twofactor.required_for(user),
    )
    return _private(page, form_status(form))


@bp.route("/account/two-factor/recovery-codes", methods=["GET", "POST"])
@login_required
@limiter.limit(_code_limit, methods=["POST"], key_func=_signed_in_key)
def two_factor_recovery_codes() -> ResponseReturnValue:
    """Make new recovery codes (a current code from the app proves who asks)."""
    user = signed_in_user()
    if not twofactor.is_enabled(user):
        return redirect(url_for("accounts.two_factor_setup"))
    form = TwoFactorCodeForm()
    if form.validate_on_submit():
        try:
            codes = twofactor.regenerate_recovery_codes(user, form.code.data)
        except AccountError as exc:
            show_on_form(form, exc)
        else:
            flash("You have new recovery codes; the old ones no longer work.", "success")
            return _show_codes(codes, url_for("accounts.account"))
    page = render_template(
        "accounts/twofactor_regenerate.html",
        form=form,
        left=twofactor.recovery_codes_left(user),
    )
    return page, form_status(form)


@bp.route("/account/two-factor/disable", methods=["GET", "POST"])
@login_required
@limiter.limit("10 per hour", methods=["POST"])
def two_factor_disable() -> ResponseReturnValue:
    """Turn two-factor sign-in off, after the password."""
    user = signed_in_user()
    if not twofactor.is_enabled(user):
        return redirect(url_for("accounts.account"))
    form = TwoFactorDisableForm()
    if form.validate_on_submit():
        try:
            twofactor.disable(user, form.password.data)
        except AccountError as exc:
            show_on_form(form, exc)
        else:
            flash("Two-factor sign-in is off.", "success")
            return redirect(url_for("accounts.account"))
    # Staff may turn it off (say, to move to a new phone), but must set it up again at once.
    must_keep = current_app.config["TWO_FACTOR_FOR_STAFF"] and can_moderate(user)
    page = render_template("accounts/twofactor_disable.html", form=form, must_keep=must_keep)
    return page, form_status(form)

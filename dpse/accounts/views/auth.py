"""Sign-up, sign-in, email verification, password reset and your account."""

from __future__ import annotations

import time
from typing import NamedTuple
from urllib.parse import urlsplit

from flask import current_app, flash, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from dpse.accounts import devices, identities, oidc, queries, service, signup, tokens, twofactor
from dpse.accounts.forms import (
    ChangePasswordForm,
    ConfirmForm,
    ForgotPasswordForm,
    LoginForm,
    ProfileForm,
    RegisterForm,
    ResetPasswordForm,
)
from dpse.accounts.models import EMAIL_MAX, OrganisationKind, User
from dpse.accounts.views import bp
from dpse.extensions import limiter
from dpse.rules import show_on_form
from dpse.security import no_referrer
from dpse.web import form_status, signed_in_user


def safe_next(target: str | None, fallback: str) -> str:
    """Only same-site paths are followed after login, never another host."""
    if not target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    if "\\" in target or any(ord(c) < 32 for c in target):
        return fallback
    return target


def _link_problem(exc: service.AccountError) -> Response:
    """A broken emailed link's page; it sends no Referer that would carry the token onwards."""
    page = render_template("accounts/link_problem.html", message=exc.message)
    return no_referrer(current_app.make_response((page, 400)))


def organisation_choices() -> list[SelectChoice]:
    """Organisations for a select, with an empty first choice."""
    return [SelectChoice("", "Choose your organisation")] + [
        SelectChoice(o.id, o.name) for o in queries.list_organisations()
    ]


def _login_rate_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _account_rate_limit() -> str:
    return current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"]


def _sign_in_key() -> str:
    """The allowance a sign-in attempt counts against: its device cookie's own when it carries
    a valid one for the account tried, else the one every untrusted attempt on it shares."""
    if "dpse_sign_in_key" not in g:
        email = queries.normalise_email(request.form.get("email", ""))[:EMAIL_MAX]
        cookie = request.cookies.get(current_app.config["DEVICE_COOKIE_NAME"])
        nonce = devices.trusted_device(cookie, email)
        g.dpse_sign_in_key = f"device:{nonce}" if nonce else f"email:{email}"
    return g.dpse_sign_in_key


def _remember_device(response: Response, user: User) -> Response:
    """Give this browser a (new) device cookie for the account: it signed in or reset here."""
    config = current_app.config
    response.set_cookie(
        config["DEVICE_COOKIE_NAME"],
        devices.make_device_token(user),
        max_age=config["DEVICE_COOKIE_MAX_AGE"],
        path=url_for("accounts.login"),  # only sign-in attempts need it
        secure=config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )
    return response


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def register() -> ResponseReturnValue:
    """Create an account; a verification email follows."""
    if current_user.is_authenticated:
        return redirect(url_for("accounts.account"))
    form = RegisterForm()
    form.organisation_id.choices = organisation_choices()
    if form.validate_on_submit():
        data = signup.Registration(
            email=form.email.data,
            display_name=form.display_name.data,
            password=form.password.data,
            organisation_id=form.organisation_id.data,
            new_organisation=form.new_organisation.data or "",
            new_organisation_kind=OrganisationKind(form.new_organisation_kind.data),
            handle=form.handle.data or "",
        )
        try:
            signup.register(data)
        except service.AccountError as exc:
            show_on_form(form, exc)
        else:
            # The same page whether the address was new or taken (its owner got an email).
            return render_template("accounts/check_email.html", email=form.email.data)
    return render_template("accounts/register.html", form=form), form_status(form)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_rate_limit, methods=["POST"])
@limiter.limit(_account_rate_limit, methods=["POST"], key_func=_sign_in_key)
def login() -> ResponseReturnValue:
    """Sign in with email and password."""
    next_url = safe_next(request.args.get("next"), url_for("main.home"))
    if current_user.is_authenticated:
        return redirect(next_url)
    form = LoginForm()
    if form.validate_on_submit():
        user = service.authenticate(form.email.data, form.password.data)
        if user is None:
            form.form_errors.append(
                "The email address or password is not right, or the account is deactivated"
            )
        elif twofactor.is_enabled(user):
            return hold_for_second_factor(user, form.remember.data, next_url)
        else:
            return finish_sign_in(user, form.remember.data, next_url)
    return render_template(
        "accounts/login.html", form=form, providers=oidc.providers()
    ), form_status(form)


# Between a right password and a right second factor the session holds only this marker (the
# session cookie is signed): who, with the token that ends it when they sign out everywhere,
# whether to remember them, where to go, and since when. Nobody is signed in yet.
SECOND_STEP_KEY = "dpse_second_step"
SECOND_STEP_SECONDS = 300


class HeldSignIn(NamedTuple):
    """A sign-in waiting for its second factor."""

    user: User
    remember: bool
    next_url: str


def hold_for_second_factor(user: User, remember: bool, next_url: str) -> Response:
    """Remember that the password was right and ask for a code from the app."""
    session[SECOND_STEP_KEY] = {
        "user": user.get_id(),
        "remember": bool(remember),
        "next": next_url,
        "at": int(time.time()),
    }
    return redirect(url_for("accounts.login_two_factor"))


def held_sign_in() -> HeldSignIn | None:
    """The sign-in waiting for a second factor, unless it is stale or its account changed."""
    held = session.get(SECOND_STEP_KEY)
    if not isinstance(held, dict) or time.time() - held.get("at", 0) > SECOND_STEP_SECONDS:
        session.pop(SECOND_STEP_KEY, None)
        return None
    user = queries.get_user_for_session(str(held.get("user", "")))
    if user is None or not twofactor.is_enabled(user):
        session.pop(SECOND_STEP_KEY, None)
        return None
    next_url = safe_next(held.get("next"), url_for("main.home"))
    return HeldSignIn(user, bool(held.get("remember")), next_url)


def held_account_key() -> str:
    """The allowance second-factor attempts count against: the account's, wherever they
    come from (read from the signed marker, no database look-up)."""
    held = session.get(SECOND_STEP_KEY)
    user_id = str(held.get("user", "")).partition(":")[0] if isinstance(held, dict) else ""
    return f"second-step:{user_id}"


def finish_sign_in(user: User, remember: bool, next_url: str) -> Response:
    """Sign the person in (after the password, and the second factor when it is on)."""
    session.pop(SECOND_STEP_KEY, None)
    service.record_sign_in(user)
    login_user(user, remember=remember)
    flash(f"You are signed in as {user.display_name}.", "success")
    return _remember_device(redirect(next_url), user)


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Response:
    """Sign out: the session ends here and every copy of its cookie stops working."""
    form = ConfirmForm()
    if form.validate_on_submit():
        service.end_all_sessions(signed_in_user())
        logout_user()
        flash("You have signed out.", "success")
    return redirect(url_for("main.home"))


@bp.route("/verify-email/<token>")
def verify_email(token: str) -> ResponseReturnValue:
    """Confirm an email address from the emailed link."""
    try:
        user = service.verify_email(token)
    except service.AccountError as exc:
        return _link_problem(exc)
    flash(f"Thank you: {user.email} is confirmed.", "success")
    return redirect(
        url_for("accounts.account") if current_user.is_authenticated else url_for("accounts.login")
    )


@bp.route("/account/verify-email", methods=["POST"])
@login_required
@limiter.limit("5 per hour")
def resend_verification() -> Response:
    """Send the confirmation email again."""
    if ConfirmForm().validate_on_submit() and not current_user.email_verified:
        service.send_verification_email(signed_in_user())
        flash(f"We have sent a new link to {current_user.email}.", "success")
    return redirect(url_for("accounts.account"))


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit("5 per hour", methods=["POST"])
def forgot_password() -> ResponseReturnValue:
    """Ask for a password reset link."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        service.request_password_reset(form.email.data)
        return render_template("accounts/reset_sent.html", email=form.email.data)
    return render_template("accounts/forgot_password.html", form=form), form_status(form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def reset_password(token: str) -> ResponseReturnValue:
    """Choose a new password from an emailed link."""
    try:
        service.user_for_reset_token(token)
    except service.AccountError as exc:
        return _link_problem(exc)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            user = service.reset_password(token, form.password.data)
        except service.AccountError as exc:
            show_on_form(form, exc)
        else:
            logout_user()
            flash("Your password has been changed. Sign in with the new one.", "success")
            # Reading the mailbox proved it is the owner: this browser gets its own sign-in
            # allowance, so a lock-out caused by someone else's guessing does not apply here.
            return _remember_device(redirect(url_for("accounts.login")), user)
    page = render_template("accounts/reset_password.html", form=form)
    # Its address holds the token: no Referer from this page (its styles' requests included).
    return no_referrer(current_app.make_response((page, form_status(form))))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account() -> ResponseReturnValue:
    """Your profile details, email status and links to password and sessions."""
    user = signed_in_user()
    form = ProfileForm(obj=user)
    form.organisation_id.choices = organisation_choices()
    if request.method == "GET":
        form.organisation_id.data = user.organisation_id
    if form.validate_on_submit():
        try:
            service.change_handle(user, form.handle.data or "")
            service.update_profile(
                user,
                form.display_name.data,
                form.job_title.data or "",
                form.bio.data or "",
                form.organisation_id.data,
            )
        except service.AccountError as exc:
            show_on_form(form, exc)
        else:
            flash("Your profile has been updated.", "success")
            return redirect(url_for("accounts.account"))
    return render_template(
        "accounts/account.html",
        form=form,
        user=user,
        confirm=ConfirmForm(),
        identities=identities.identities_of(user),
        api_tokens=tokens.tokens_of(user),
        provider_labels={p.name: p.label for p in oidc.providers()},
    ), form_status(form)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
@limiter.limit("10 per hour", methods=["POST"])
def change_password() -> ResponseReturnValue:
    """Change your password; other sessions end, this one carries on."""
    user = signed_in_user()
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            service.change_password(user, form.current_password.data, form.new_password.data)
        except service.AccountError as exc:
            show_on_form(form, exc)
        else:
            login_user(user)  # re-issue this session with the new token
            flash("Your password has been changed. Other devices have been signed out.", "success")
            # Device cookies end with the old password; this browser keeps being trusted.
            return _remember_device(redirect(url_for("accounts.account")), user)
    return render_template("accounts/change_password.html", form=form), form_status(form)

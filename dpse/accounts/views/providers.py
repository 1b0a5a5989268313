"""Sign in with your organisation's identity provider (OpenID Connect).

The button on the sign-in page posts here (with the CSRF token, so no other site can start a
sign-in for you); the provider sends the person back to ``provider_return``. Someone new
chooses their name, handle and organisation on one more page before their account exists.
"""

from __future__ import annotations

import time
from dataclasses import asdict

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from werkzeug.wrappers import Response

from dpse.accounts import identities, oidc, service, twofactor
from dpse.accounts.forms import ConfirmForm, ProviderAccountForm
from dpse.accounts.models import OrganisationKind
from dpse.accounts.views import bp
from dpse.accounts.views.auth import (
    finish_sign_in,
    hold_for_second_factor,
    organisation_choices,
    safe_next,
)
from dpse.extensions import limiter
from dpse.rules import show_on_form
from dpse.urls import absolute_url
from dpse.web import form_status

NEXT_KEY = "dpse_provider_next"
NEW_PERSON_KEY = "dpse_provider_new"
NEW_PERSON_SECONDS = 15 * 60  # to choose a name and handle after the provider said who you are


def _provider(name: str) -> oidc.Provider:
    provider = oidc.get_provider(name)
    if provider is None:
        abort(404)
    return provider


def _login_rate_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _back_to_login(message: str) -> Response:
    flash(message, "error")
    return redirect(url_for("accounts.login"))


@bp.route("/login/with/<name>", methods=["POST"])
@limiter.limit(_login_rate_limit)
def provider_start(name: str) -> ResponseReturnValue:
    """Off to the provider's sign-in page."""
    provider = _provider(name)
    if current_user.is_authenticated:
        return redirect(url_for("accounts.account"))
    if not ConfirmForm().validate_on_submit():
        return _back_to_login("Your session had expired. Choose how to sign in again.")
    session[NEXT_KEY] = safe_next(request.args.get("next"), url_for("main.home"))
    try:
        return oidc.authorize_redirect(
            provider, absolute_url("accounts.provider_return", name=provider.name)
        )
    except oidc.ProviderError as exc:
        return _back_to_login(str(exc))


@bp.route("/login/with/<name>/return")
@limiter.limit(_login_rate_limit)
def provider_return(name: str) -> ResponseReturnValue:
    """Back from the provider: sign in, link, or ask someone new for their name and handle."""
    provider = _provider(name)
    try:
        assertion = oidc.complete(provider)
        outcome = identities.resolve(assertion, provider.label)
    except oidc.ProviderError as exc:
        return _back_to_login(str(exc))
    except identities.IdentityError as exc:
        return _back_to_login(exc.message)
    next_url = safe_next(session.pop(NEXT_KEY, None), url_for("main.home"))
    if isinstance(outcome, identities.NewPerson):
        session[NEW_PERSON_KEY] = {
            **asdict(outcome.assertion),
            "organisation": outcome.organisation.id if outcome.organisation else None,
            "next": next_url,
            "at": int(time.time()),
        }
        return redirect(url_for("accounts.provider_new_account"))
    if twofactor.is_enabled(outcome):
        return hold_for_second_factor(outcome, False, next_url)
    return finish_sign_in(outcome, False, next_url)


def _new_person() -> tuple[identities.NewPerson, str] | None:
    """The person the provider vouched for a moment ago, and where they were going."""
    held = session.get(NEW_PERSON_KEY)
    if not isinstance(held, dict) or time.time() - held.get("at", 0) > NEW_PERSON_SECONDS:
        session.pop(NEW_PERSON_KEY, None)
        return None
    assertion = oidc.Assertion(
        **{k: held[k] for k in oidc.Assertion.__dataclass_fields__ if k in held}
    )
    organisation = identities.organisation_vouching_for(assertion.email)
    return identities.NewPerson(assertion, organisation), str(held.get("next", "/"))


@bp.route("/login/with/new-account", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def provider_new_account() -> ResponseReturnValue:
    """Choose a name, a handle and (unless the address names it) an organisation."""
    held = _new_person()
    if held is None:
        return _back_to_login("That took too long. Sign in with your provider again.")
    person, next_url = held
    provider = oidc.get_provider(person.assertion.provider)
    form = ProviderAccountForm()
    form.organisation_id.choices = organisation_choices()
    if request.method == "GET" and not form.display_name.data:
        form.display_name.data = person.assertion.name
    if form.validate_on_submit():
        try:
            user = identities.create_account(
                person,
                form.display_name.data or "",
                form.handle.data or "",
                organisation_id=form.organisation_id.data,
                new_organisation=form.new_organisation.data or "",
                new_organisation_kind=OrganisationKind(form.new_organisation_kind.data),
            )
        except service.AccountError as exc:  # the handle, the name, or a race
            show_on_form(form, exc)
        else:
            session.pop(NEW_PERSON_KEY, None)
            return finish_sign_in(user, False, safe_next(next_url, url_for("main.home")))
    return render_template(
        "accounts/provider_account.html",
        form=form,
        person=person,
        provider_label=provider.label if provider else person.assertion.provider,
    ), form_status(form)

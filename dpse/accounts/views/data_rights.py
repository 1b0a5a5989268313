"""People's data rights: download your data, change your email address, delete your account
(yourself, or an admin on your request)."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required, logout_user
from werkzeug.wrappers import Response

from dpse.accounts import deletion, email_change, export, queries
from dpse.accounts.forms import ConfirmForm
from dpse.accounts.rights_forms import (
    REMOVE,
    AdminDeleteAccountForm,
    ChangeEmailForm,
    DeleteAccountForm,
)
from dpse.accounts.service import AccountError
from dpse.accounts.views import bp
from dpse.extensions import limiter
from dpse.permissions import can_manage_users, require
from dpse.rules import show_on_form
from dpse.security import no_referrer
from dpse.web import form_status, found_or_404, signed_in_user


@bp.route("/account/data", methods=["GET", "POST"])
@login_required
def data() -> ResponseReturnValue:
    """Ask for a download of everything held about you, and see how it is getting on."""
    user = signed_in_user()
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            export.request_export(user)
        except export.ExportError as exc:
            show_on_form(form, exc)
        else:
            flash("We are preparing your data. We will email you when it is ready.", "success")
            return redirect(url_for("accounts.data"))
    latest = export.latest_export(user)
    return render_template(
        "accounts/data.html",
        form=form,
        latest=latest,
        days=current_app.config["DATA_EXPORT_DAYS"],
    ), form_status(form)


@bp.route("/account/data/<token>.zip")
@login_required
def download_data(token: str) -> Response:
    """Your export's ZIP, streamed from disk; anyone else's answers 404."""
    try:
        _export, path = export.export_for_download(signed_in_user(), token)
    except export.ExportError:
        abort(404)
    response = send_file(
        path,
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"my-data-{current_app.config['SITE_NAME'].lower().replace(' ', '-')}.zip",
        max_age=0,
    )
    response.headers["Cache-Control"] = "no-store, private"
    return response


@bp.route("/account/email", methods=["GET", "POST"])
@login_required
@limiter.limit("10 per hour", methods=["POST"])
def change_email() -> ResponseReturnValue:
    """Ask to change your email address: the new one must be confirmed by its link."""
    user = signed_in_user()
    form = ChangeEmailForm()
    if form.validate_on_submit():
        try:
            email_change.request_email_change(user, form.password.data, form.email.data)
        except AccountError as exc:
            show_on_form(form, exc)
        else:
            flash(
                f"We have sent a link to {user.pending_email}. Your address changes when you "
                "open it; until then you sign in with the old one.",
                "success",
            )
            return redirect(url_for("accounts.account"))
    return render_template("accounts/change_email.html", form=form, user=user), form_status(form)


@bp.route("/account/email/confirm/<token>")
def confirm_email_change(token: str) -> ResponseReturnValue:
    """The link sent to a new address: it becomes the account's."""
    try:
        user = email_change.confirm_email_change(token)
    except AccountError as exc:
        page = render_template("accounts/link_problem.html", message=exc.message)
        return no_referrer(current_app.make_response((page, 400)))
    flash(f"Your email address is now {user.email}.", "success")
    target = "accounts.account" if current_user.is_authenticated else "accounts.login"
    return no_referrer(redirect(url_for(target)))


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
@limiter.limit("10 per hour", methods=["POST"])
def delete_account() -> ResponseReturnValue:
    """The confirmation page for deleting your own account, with its consequences."""
    user = signed_in_user()
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            deletion.delete_own_account(user, form.password.data, form.content.data == REMOVE)
        except AccountError as exc:
            show_on_form(form, exc)
        else:
            logout_user()
            flash("Your account has been deleted. Thank you for taking part.", "success")
            return redirect(url_for("main.home"))
    return render_template("accounts/delete_account.html", form=form), form_status(form)


@bp.route("/admin/users/<int:user_id>/delete", methods=["GET", "POST"])
@login_required
def admin_delete_user(user_id: int) -> ResponseReturnValue:
    """An admin deletes an account on its owner's request, after this confirmation page."""
    require(can_manage_users(current_user))
    target = found_or_404(queries.get_user(user_id), lambda u: not u.is_deleted)
    form = AdminDeleteAccountForm()
    if form.validate_on_submit():
        try:
            deletion.delete_account_on_request(
                signed_in_user(), target, form.content.data == REMOVE
            )
        except AccountError as exc:
            show_on_form(form, exc)
        else:
            flash(f"Account {target.id} has been deleted.", "success")
            return redirect(url_for("accounts.admin_users"))
    return render_template(
        "accounts/admin_delete_user.html", form=form, target=target
    ), form_status(form)

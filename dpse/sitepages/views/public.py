"""The published pages (accessibility, privacy, terms, contact) and the accessibility report
form, open to everyone."""

from __future__ import annotations

from flask import current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from dpse.extensions import limiter
from dpse.sitepages import queries, service
from dpse.sitepages.forms import ReportForm
from dpse.sitepages.models import PageKey
from dpse.sitepages.views import bp
from dpse.web import form_status, form_written


def _show(key: PageKey) -> str:
    text = queries.page_text(key)
    reviewed = queries.reviewed_on(text) if key == PageKey.ACCESSIBILITY else None
    return render_template("sitepages/show.html", text=text, key=key, reviewed_on=reviewed)


@bp.route("/accessibility")
def accessibility() -> str:
    """The accessibility statement."""
    return _show(PageKey.ACCESSIBILITY)


@bp.route("/privacy")
def privacy() -> str:
    """The privacy notice."""
    return _show(PageKey.PRIVACY)


@bp.route("/terms")
def terms() -> str:
    """Terms of use and the code of conduct."""
    return _show(PageKey.TERMS)


@bp.route("/contact")
def contact() -> str:
    """How to reach the people who run the site."""
    return _show(PageKey.CONTACT)


def _report_rate_limit() -> str:
    return current_app.config["REPORT_RATE_LIMIT"]


@bp.route("/accessibility/report", methods=["GET", "POST"])
@limiter.limit(_report_rate_limit, methods=["POST"])
def report() -> ResponseReturnValue:
    """Tell the admins about an accessibility problem; an acknowledgement follows by email."""
    form = ReportForm()
    signed_in = current_user.is_authenticated
    if signed_in:
        form.email.description = (
            f"Leave it empty to use your account's address, {current_user.email}. "
            "We send an acknowledgement there and reply to it."
        )
    else:
        form.require_email()
    if request.method == "GET" and not form.page_url.data:
        form.page_url.data = _reported_page()

    def write() -> object:
        return service.report_problem(
            current_user,
            form.page_url.data or "",
            form.description.data or "",
            name=form.name.data or "",
            email=form.email.data or "",
        )

    if form_written(form, write, service.SitePageError):
        return redirect(url_for("sitepages.report_sent"))
    return render_template("sitepages/report.html", form=form), form_status(form)


def _reported_page() -> str:
    """The page the person came from (?page=/events), when it is a path on this site."""
    wanted = request.args.get("page", "")[:500]
    return wanted if wanted.startswith("/") and not wanted.startswith("//") else ""


@bp.route("/accessibility/report/sent")
def report_sent() -> str:
    """What happens after a report."""
    return render_template("sitepages/report_sent.html")

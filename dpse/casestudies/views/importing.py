"""Start a case study from a publiccode.yml: upload or paste it, then review the new-case-study
form it fills in (nothing is saved until the author saves the draft)."""

from __future__ import annotations

from flask import render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import TextAreaField

from dpse.casestudies import publiccode
from dpse.casestudies.forms import CaseStudyForm
from dpse.casestudies.views import bp
from dpse.casestudies.views.editing import _supplier_choices
from dpse.extensions import limiter
from dpse.permissions import can_create_case_study, require
from dpse.web import form_status, takes_files


class PubliccodeForm(FlaskForm):
    """A publiccode.yml, uploaded or pasted."""

    file = FileField("Upload your publiccode.yml")
    text = TextAreaField(
        "Or paste it here",
        description=f"Up to {publiccode.MAX_BYTES // 1024} KB of YAML, as in your repository.",
    )


def _read_upload(form: PubliccodeForm) -> str | bytes | None:
    upload = form.file.data
    if upload is not None and getattr(upload, "filename", ""):
        return upload.stream.read(publiccode.MAX_BYTES + 1)  # one byte over says "too big"
    return form.text.data or None


@bp.route("/import", methods=["GET", "POST"])
@takes_files
@login_required
@limiter.limit("30 per hour", methods=["POST"])
def import_publiccode() -> tuple[str, int] | str:
    """Read a publiccode.yml and show the case-study form it fills in, to review."""
    require(can_create_case_study(current_user))
    form = PubliccodeForm()
    if form.validate_on_submit():
        raw = _read_upload(form)
        if raw is None:
            form.form_errors.append("Choose your publiccode.yml file, or paste its text")
        else:
            try:
                imported = publiccode.read(raw)
            except publiccode.PubliccodeError as exc:
                (form.file if isinstance(raw, bytes) else form.text).errors = [str(exc)]
            else:
                case_form = CaseStudyForm(formdata=None)
                case_form.suppliers.choices = _supplier_choices()
                for name, value in imported.fields.items():
                    if name == "language":
                        if value:
                            case_form.language.select(value)
                    else:
                        getattr(case_form, name).data = value
                return render_template(
                    "casestudies/form.html",
                    form=case_form,
                    case_study=None,
                    preview=False,
                    imported=imported,
                    form_action=url_for("casestudies.new"),
                )
    return render_template("casestudies/import.html", form=form), form_status(form)

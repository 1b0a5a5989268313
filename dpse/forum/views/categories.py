"""Admins' page for the forum's categories."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from dpse.forum import queries, service
from dpse.forum.forms import CategoryForm
from dpse.forum.views import bp
from dpse.permissions import can_manage_categories, require
from dpse.rules import show_on_form
from dpse.web import form_status, found_or_404, signed_in_user

Rendered = str | Response | tuple[str, int]


@bp.route("/categories", methods=["GET", "POST"])
@login_required
def manage_categories() -> Rendered:
    """Every category with its position, and a form to add one."""
    require(can_manage_categories(current_user))
    form = CategoryForm()
    if form.validate_on_submit():
        try:
            category = service.create_category(
                signed_in_user(), form.name.data, form.description.data or ""
            )
        except service.ForumError as exc:
            show_on_form(form, exc)
        else:
            flash(f"The category {category.name} has been added.", "success")
            return redirect(url_for("forum.manage_categories"))
    return render_template(
        "forum/categories.html", summaries=queries.overview(), form=form
    ), form_status(form)


@bp.route("/categories/<int:category_id>", methods=["GET", "POST"])
@login_required
def edit_category(category_id: int) -> Rendered:
    """Rename, describe or reorder one category."""
    require(can_manage_categories(current_user))
    category = found_or_404(queries.category_by_id(category_id))
    form = CategoryForm()
    if request.method == "GET":
        form.name.data, form.description.data = category.name, category.description
        form.position.data = category.position
    if form.validate_on_submit():
        try:
            service.update_category(
                signed_in_user(),
                category,
                form.name.data,
                form.description.data or "",
                category.position if form.position.data is None else form.position.data,
            )
        except service.ForumError as exc:
            show_on_form(form, exc)
        else:
            flash("The category has been saved.", "success")
            return redirect(url_for("forum.manage_categories"))
    return render_template("forum/category_form.html", form=form, category=category), form_status(
        form
    )

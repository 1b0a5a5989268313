"""Admins' page for the forum's categories."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from dpse.forum import bp, categories, queries
from dpse.forum.forms import CategoryForm
from dpse.forum.service import ForumError
from dpse.permissions import can_manage_categories, require
from dpse.rules import show_on_form

Rendered = str | Response | tuple[str, int]


@bp.route("/categories", methods=["GET", "POST"])
@login_required
def manage_categories() -> Rendered:
    """Every category with its position, and a form to add one."""
    require(can_manage_categories(current_user))
    form = CategoryForm()
    if form.validate_on_submit():
        try:
            category = categories.create_category(
                current_user._get_current_object(), form.name.data, form.description.data or ""
            )
        except ForumError as exc:
            show_on_form(form, exc)
        else:
            flash(f"The category {category.name} has been added.", "success")
            return redirect(url_for("forum.manage_categories"))
    status = 400 if (form.errors or form.form_errors) else 200
    return render_template("forum/categories.html", summaries=queries.overview(), form=form), status


@bp.route("/categories/<int:category_id>", methods=["GET", "POST"])
@login_required
def edit_category(category_id: int) -> Rendered:
    """Rename, describe or reorder one category."""
    require(can_manage_categories(current_user))
    category = next((c for c in queries.categories() if c.id == category_id), None)
    if category is None:
        abort(404)
    form = CategoryForm()
    if request.method == "GET":
        form.name.data, form.description.data = category.name, category.description
        form.position.data = category.position
    if form.validate_on_submit():
        try:
            categories.update_category(
                current_user._get_current_object(),
                category,
                form.name.data,
                form.description.data or "",
                category.position if form.position.data is None else form.position.data,
            )
        except ForumError as exc:
            show_on_form(form, exc)
        else:
            flash("The category has been saved.", "success")
            return redirect(url_for("forum.manage_categories"))
    status = 400 if (form.errors or form.form_errors) else 200
    return render_template("forum/category_form.html", form=form, category=category), status

"""Admin pages: find accounts, change roles, deactivate and reactivate."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from dpse.accounts import queries, service
from dpse.accounts.forms import AdminUserForm
from dpse.accounts.queries import ADMIN_SEARCH_MAX
from dpse.accounts.roles import Role
from dpse.accounts.views import bp
from dpse.permissions import can_manage_users, require
from dpse.rules import show_on_form
from dpse.web import form_status, found_or_404, page_arg, page_size, signed_in_user


@bp.route("/admin/users")
@login_required
def admin_users() -> str:
    """All accounts, searchable by name or email."""
    require(can_manage_users(current_user))
    q = request.args.get("q", "").strip()[:ADMIN_SEARCH_MAX]
    users = queries.find_users(q, page_arg(), page_size())
    return render_template("accounts/admin_users.html", users=users, q=q, q_max=ADMIN_SEARCH_MAX)


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@login_required
def admin_user(user_id: int) -> ResponseReturnValue:
    """Change one account's role or active state."""
    require(can_manage_users(current_user))
    target = found_or_404(queries.get_user(user_id), lambda u: not u.is_deleted)
    form = AdminUserForm(obj=target)
    if request.method == "GET":
        form.role.data = target.role.value
    if form.validate_on_submit():
        admin = signed_in_user()
        try:
            if Role(form.role.data) != target.role:
                service.set_role(admin, target, Role(form.role.data))
            if form.active.data != target.active:
                service.set_active(admin, target, form.active.data)
        except service.AccountError as exc:
            show_on_form(form, exc, {"": "role"})
        else:
            flash(f"Saved changes to {target.display_name}.", "success")
            return redirect(url_for("accounts.admin_user", user_id=target.id))
    return render_template("accounts/admin_user.html", form=form, target=target), form_status(form)

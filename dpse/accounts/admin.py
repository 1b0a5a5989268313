"""Admin pages: find accounts, change roles, deactivate and reactivate."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from dpse.accounts import bp, service
from dpse.accounts.forms import AdminUserForm
from dpse.accounts.models import User
from dpse.accounts.roles import Role
from dpse.extensions import db
from dpse.permissions import can_manage_users, require
from dpse.web import page_arg


@bp.route("/admin/users")
@login_required
def admin_users() -> str:
    """All accounts, searchable by name or email."""
    require(can_manage_users(current_user))
    q = request.args.get("q", "").strip()[:200]
    stmt = select(User).options(selectinload(User.organisation)).order_by(User.id)
    if q:
        like = f"%{q.lower()}%"
        stmt = stmt.where(or_(User.email.like(like), func.lower(User.display_name).like(like)))
    page = page_arg()
    users = db.paginate(stmt, page=page, per_page=50, error_out=False)
    return render_template("accounts/admin_users.html", users=users, q=q)


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@login_required
def admin_user(user_id: int) -> str | Response:
    """Change one account's role or active state."""
    require(can_manage_users(current_user))
    target = db.session.get(User, user_id)
    if target is None:
        abort(404)
    form = AdminUserForm(obj=target)
    if request.method == "GET":
        form.role.data = target.role.value
    if form.validate_on_submit():
        admin = current_user._get_current_object()
        try:
            if Role(form.role.data) != target.role:
                service.set_role(admin, target, Role(form.role.data))
            if form.active.data != target.active:
                service.set_active(admin, target, form.active.data)
        except service.AccountError as exc:
            getattr(form, exc.field or "role").errors = [exc.message]
        else:
            flash(f"Saved changes to {target.display_name}.", "success")
            return redirect(url_for("accounts.admin_user", user_id=target.id))
    status = 400 if form.errors else 200
    return render_template("accounts/admin_user.html", form=form, target=target), status

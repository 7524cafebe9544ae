"""Console pages for user accounts (admin) and the audit trail (every role reads it)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from api.admin.console.blueprint import bp, reported_errors
from api.admin.records import USER_READERS
from api.auth import current_actor, login_required, require_role
from registry.accounts import users as accounts
from registry.accounts.changes import change_role, deactivate
from registry.accounts.queries import list_users
from registry.audit import trail as audit
from registry.audit.queries import audit_records
from registry.models import ROLES
from runtime.extensions import db

AUDIT_FILTERS = ("action", "object_type", "object_id", "actor")


@bp.get("/users")
@login_required
def users() -> str:
    """Every account, with forms to create, re-role and deactivate (admin)."""
    actor = current_actor()
    require_role(actor, USER_READERS, "list user accounts")
    return render_template(
        "admin/users.html", actor=actor, users=list_users(db.session()), roles=ROLES
    )


@bp.post("/users")
@login_required
def user_create() -> Response:
    """Create an account."""
    actor = current_actor()
    actor.require("user.manage")
    form = request.form
    with reported_errors():
        user = accounts.create_user(
            db.session(),
            form.get("username", ""),
            form.get("role", ""),
            form.get("password", ""),
            form.get("display_name", ""),
            actor.name,
        )
        flash(f"Account {user.username} created.", "info")
    return redirect(url_for("admin_console.users"), 303)


@bp.post("/users/<int:user_id>/role")
@login_required
def user_role(user_id: int) -> Response:
    """Give an account another role."""
    with reported_errors():
        user = change_role(db.session(), current_actor(), user_id, request.form.get("role", ""))
        flash(f"{user.username} is now {user.role}.", "info")
    return redirect(url_for("admin_console.users"), 303)


@bp.post("/users/<int:user_id>/deactivate")
@login_required
def user_deactivate(user_id: int) -> Response:
    """Deactivate an account."""
    with reported_errors():
        user = deactivate(db.session(), current_actor(), user_id)
        flash(f"{user.username} is deactivated.", "info")
    return redirect(url_for("admin_console.users"), 303)


@bp.get("/audit")
@login_required
def audit_trail() -> str:
    """Browse the audit trail with filters; optionally verify the hash chain."""
    actor = current_actor()
    actor.require("audit.read")
    filters = {name: request.args.get(name, "").strip() or None for name in AUDIT_FILTERS}
    records = audit_records(db.session(), **filters, limit=200)  # type: ignore[arg-type]
    report = audit.verify_chain(db.session()) if request.args.get("verify") else None
    return render_template(
        "admin/audit.html", actor=actor, records=records, filters=filters, report=report
    )

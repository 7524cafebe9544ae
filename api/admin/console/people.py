"""Console pages for user accounts (admin) and the audit trail (every role reads it)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from api.admin.console.blueprint import bp, reported_errors
from api.admin.records import USER_READERS
from api.auth import current_actor, login_required, require_role
from registry import clock
from registry.accounts.changes import deactivate
from registry.accounts.confirmations import create_account, set_role
from registry.accounts.queries import list_users
from registry.audit import trail as audit
from registry.audit.queries import audit_records
from registry.models import ROLES, AccountRequest
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
        made = create_account(
            db.session(),
            actor,
            form.get("username", ""),
            form.get("role", ""),
            form.get("password", ""),
            form.get("display_name", ""),
            clock.utcnow(),
        )
        if isinstance(made, AccountRequest):
            flash(_waiting_message(made), "info")
        else:
            flash(f"Account {made.username} created.", "info")
    return redirect(url_for("admin_console.users"), 303)


def _waiting_message(pending: AccountRequest) -> str:
    return str(
        _(
            "Request %(id)s (%(name)s as %(role)s) waits for another admin's confirmation.",
            id=pending.id,
            name=pending.username,
            role=pending.role,
        )
    )


@bp.post("/users/<int:user_id>/role")
@login_required
def user_role(user_id: int) -> Response:
    """Give an account another role."""
    with reported_errors():
        role = request.form.get("role", "")
        changed = set_role(db.session(), current_actor(), user_id, role, clock.utcnow())
        if isinstance(changed, AccountRequest):
            flash(_waiting_message(changed), "info")
        else:
            flash(f"{changed.username} is now {changed.role}.", "info")
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

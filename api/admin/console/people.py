"""Console pages for user accounts (admin) and the audit trail (every role reads it)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from api.admin.console import words
from api.admin.console.blueprint import FormProblem, bp, form_problem, reported_errors
from api.admin.console.changes import field_changes
from api.admin.console.paging import PAGE_SIZE, offset, page_number, paged
from api.admin.records import USER_READERS
from api.auth import current_actor, login_required, require_role
from registry import clock
from registry.accounts.changes import deactivate
from registry.accounts.confirmations import create_account, set_role
from registry.accounts.queries import list_users
from registry.audit import trail as audit
from registry.audit.queries import audit_records
from registry.errors import Conflict, InvalidValue, translatable
from registry.models import ROLES, AccountRequest
from runtime.extensions import db

AUDIT_FILTERS = ("action", "object_type", "object_id", "actor")
USER_FIELDS = ("username", "display_name", "role", "password")


def _users_page(problem: FormProblem | None = None, typed: Any = None) -> str:
    actor = current_actor()
    require_role(actor, USER_READERS, translatable("list user accounts"))
    search = request.args.get("q", "").strip().casefold()
    role = request.args.get("role") or None
    if role is not None and role not in ROLES:
        raise InvalidValue("role", gettext("Choose a role from the list."))
    found = [
        user
        for user in list_users(db.session())
        if (role is None or user.role == role)
        and (search in user.username.casefold() or search in (user.display_name or "").casefold())
    ]
    number = page_number()
    rows, page = paged(found[offset(number) : offset(number) + PAGE_SIZE + 1], number)
    return render_template(
        "admin/users.html",
        actor=actor,
        users=rows,
        page=page,
        search=request.args.get("q", ""),
        role=role or "",
        roles=ROLES,
        problem=problem,
        typed=typed if typed is not None else MultiDict(),
    )


@bp.get("/users")
@login_required
def users() -> str:
    """Every account, with forms to create, re-role and deactivate (admin)."""
    return _users_page()


@bp.post("/users")
@login_required
def user_create() -> Response | tuple[str, int]:
    """Create an account; a refused form comes back as typed (but for the password)."""
    actor = current_actor()
    actor.require("user.manage")
    form = request.form
    try:
        made = create_account(
            db.session(),
            actor,
            form.get("username", ""),
            form.get("role", ""),
            form.get("password", ""),
            form.get("display_name", ""),
            clock.utcnow(),
        )
    except (InvalidValue, Conflict) as error:
        problem = form_problem(error, USER_FIELDS)
        return _users_page(problem, form), problem.status
    if isinstance(made, AccountRequest):
        flash(_waiting_message(made), "info")
    else:
        flash(gettext("Account %(name)s created.", name=made.username), "info")
    return redirect(url_for("admin_console.users"), 303)


def _waiting_message(pending: AccountRequest) -> str:
    return str(
        gettext(
            "Request %(id)s (%(name)s as %(role)s) waits for another admin's confirmation.",
            id=pending.id,
            name=pending.username,
            role=words.word("role", pending.role),
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
            shown = words.word("role", changed.role)
            flash(gettext("%(name)s is now %(role)s.", name=changed.username, role=shown), "info")
    return redirect(url_for("admin_console.users"), 303)


@bp.post("/users/<int:user_id>/deactivate")
@login_required
def user_deactivate(user_id: int) -> Response:
    """Deactivate an account."""
    with reported_errors():
        user = deactivate(db.session(), current_actor(), user_id)
        flash(gettext("%(name)s is deactivated.", name=user.username), "info")
    return redirect(url_for("admin_console.users"), 303)


@bp.get("/audit")
@login_required
def audit_trail() -> str:
    """Who did what and when, with each change as a field diff; optionally verify the chain."""
    actor = current_actor()
    actor.require("audit.read")
    filters = {name: request.args.get(name, "").strip() or None for name in AUDIT_FILTERS}
    number = page_number()
    found = audit_records(
        db.session(),
        **filters,
        limit=PAGE_SIZE + 1,
        offset=offset(number),
    )
    records, page = paged(found, number)
    report = audit.verify_chain(db.session()) if request.args.get("verify") else None
    return render_template(
        "admin/audit.html",
        actor=actor,
        records=records,
        page=page,
        filters=filters,
        report=report,
        actions=sorted(words.ACTIONS),
        object_types=sorted(words.OBJECT_TYPES),
        field_changes=field_changes,
    )

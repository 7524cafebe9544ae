"""Console page of account requests waiting for a second admin: confirm or refuse them."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from api.admin.console.blueprint import bp, reported_errors
from api.admin.records import USER_READERS
from api.auth import current_actor, login_required, require_role
from registry import clock
from registry.accounts.confirmations import confirm_request, refuse_request, waiting_requests
from registry.errors import NotFound, translatable
from runtime.extensions import db


@bp.get("/users/requests")
@login_required
def account_requests() -> str:
    """Requests to create or elevate a reviewer or admin, waiting for a second admin."""
    actor = current_actor()
    require_role(actor, USER_READERS, translatable("list account requests"))
    pending = waiting_requests(db.session())
    return render_template("admin/account_requests.html", actor=actor, requests=pending)


@bp.post("/users/requests/<int:request_id>/confirm")
@login_required
def account_request_confirm(request_id: int) -> Response:
    """Confirm another admin's request."""
    with reported_errors():
        try:
            done = confirm_request(db.session(), current_actor(), request_id, clock.utcnow())
        except NotFound as error:
            flash(error.message, "error")
        else:
            flash(_("Request %(id)s confirmed.", id=done.id), "info")
    return redirect(url_for("admin_console.account_requests"), 303)


@bp.post("/users/requests/<int:request_id>/refuse")
@login_required
def account_request_refuse(request_id: int) -> Response:
    """Refuse or withdraw a waiting request."""
    with reported_errors():
        try:
            done = refuse_request(db.session(), current_actor(), request_id, clock.utcnow())
        except NotFound as error:
            flash(error.message, "error")
        else:
            flash(_("Request %(id)s refused.", id=done.id), "info")
    return redirect(url_for("admin_console.account_requests"), 303)

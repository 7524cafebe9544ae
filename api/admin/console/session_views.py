"""An admin ends signed-in sessions from the console: one account's, or everyone's."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from api.admin.console.blueprint import bp
from api.auth import current_actor, login_required, sign_out
from registry import clock
from registry.accounts import sessions
from runtime.extensions import db


@bp.post("/sessions/end-all")
@login_required
def end_all_sessions() -> Response:
    """End every signed-in session, the admin's own included: everyone signs in again."""
    ended = sessions.end_all_sessions(db.session(), current_actor(), clock.utcnow())
    sign_out()
    flash(_("%(count)s session(s) ended; sign in again.", count=ended), "info")
    return redirect(url_for("admin_console.login"), 303)


@bp.post("/users/<int:user_id>/end-sessions")
@login_required
def end_user_sessions(user_id: int) -> Response:
    """End every signed-in session of one account."""
    ended = sessions.end_all_sessions(db.session(), current_actor(), clock.utcnow(), user_id)
    flash(_("%(count)s session(s) of that account ended.", count=ended), "info")
    return redirect(url_for("admin_console.users"), 303)

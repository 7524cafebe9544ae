"""Console sign-in (password and optional TOTP), sign-out, TOTP enrolment and the dashboard."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from api.admin.console.blueprint import bp
from api.auth import current_actor, login_required, sign_in, sign_out
from registry import clock
from registry.accounts.login import LoginRefused, authenticate
from registry.accounts.second_factor import enable_totp, new_totp_secret, totp_uri
from registry.accounts.throttle import FREE_ATTEMPTS, LONGEST_WAIT
from registry.errors import InvalidValue
from runtime.extensions import db

PENDING_TOTP = "pending_totp_secret"


def _safe_next(target: str | None) -> str:
    # Only local console paths, so the login form cannot redirect anywhere else; no control
    # characters (a CR or LF would split the Location header) and no backslashes (browsers
    # read them as slashes).
    if (
        target
        and target.startswith("/admin")
        and not target.startswith("//")
        and target.isascii()
        and target.isprintable()
        and "\\" not in target
    ):
        return target
    return url_for("admin_console.dashboard")


def _login_page(**context: str) -> str:
    return render_template(
        "admin/login.html",
        free_attempts=FREE_ATTEMPTS,
        longest_wait_minutes=int(LONGEST_WAIT.total_seconds() // 60),
        **context,
    )


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response | tuple[str, int]:
    """Sign in with username, password and, when enabled, the authenticator code."""
    if request.method == "GET":
        return _login_page(next=request.args.get("next", ""))
    form = request.form
    try:
        user = authenticate(
            db.session(),
            form.get("username", ""),
            form.get("password", ""),
            form.get("totp", ""),
            clock.utcnow(),
            production=current_app.config.get("REGISTRY_ENV") == "production",
            address=request.remote_addr,
        )
    except LoginRefused as refused:
        page = _login_page(
            error=refused.message, next=form.get("next", ""), username=form.get("username", "")
        )
        return page, 401
    sign_in(user)
    return redirect(_safe_next(form.get("next")), 303)


@bp.post("/logout")
@login_required
def logout() -> Response:
    """End the session."""
    sign_out()
    flash("Signed out.", "info")
    return redirect(url_for("admin_console.login"), 303)


@bp.route("/account/totp", methods=["GET", "POST"])
@login_required
def totp() -> str | Response:
    """Enrol an authenticator app: show a secret, then confirm it with a code."""
    actor = current_actor()
    if request.method == "POST":
        secret = session.get(PENDING_TOTP)
        if not secret:
            flash("Start again: the enrolment secret expired.", "error")
            return redirect(url_for("admin_console.totp"), 303)
        try:
            assert actor.user_id is not None
            code = request.form.get("code", "")
            enable_totp(db.session(), actor.user_id, secret, code, clock.utcnow())
        except InvalidValue as error:
            flash(error.message, "error")
            return redirect(url_for("admin_console.totp"), 303)
        session.pop(PENDING_TOTP, None)
        flash("Two-factor sign-in is on: you will be asked for a code at every sign-in.", "info")
        return redirect(url_for("admin_console.dashboard"), 303)
    secret = session.get(PENDING_TOTP) or new_totp_secret()
    session[PENDING_TOTP] = secret
    return render_template("admin/totp.html", secret=secret, uri=totp_uri(secret, actor.name))

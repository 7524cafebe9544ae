"""Console sign-in (password and, once enrolled, a second-factor code), sign-out, dashboard."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from api.admin.console.blueprint import bp
from api.auth import login_required, sign_in, sign_out
from registry import clock
from registry.accounts.login import LoginRefused, authenticate
from registry.accounts.throttle import FREE_ATTEMPTS, LONGEST_WAIT
from runtime.extensions import db


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
        error = (
            _("Too many failed sign-ins: try again in %(seconds)s seconds.", seconds=wait)
            if (wait := refused.wait_seconds)
            else _("Sign-in refused: check the username, the password and the authentication code.")
        )
        page = _login_page(
            error=error, next=form.get("next", ""), username=form.get("username", "")
        )
        return page, 401
    sign_in(user)
    return redirect(_safe_next(form.get("next")), 303)


@bp.post("/logout")
@login_required
def logout() -> Response:
    """End the session."""
    sign_out()
    flash(_("Signed out."), "info")
    return redirect(url_for("admin_console.login"), 303)

"""Account security: the authenticator app, changing one's password, an admin's reset.

Pages that show a secret or recovery codes are sent with `Cache-Control: no-store`.
"""

from __future__ import annotations

import segno
from flask import flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from api.admin.console.blueprint import bp
from api.auth import current_actor, current_session_token, login_required
from registry import clock
from registry.accounts.password_changes import change_password as set_new_password
from registry.accounts.password_changes import reset_password
from registry.accounts.passwords import MIN_PASSWORD_LENGTH
from registry.accounts.second_factor import (
    EnrolmentRefused,
    enable_totp,
    pending_secret,
    start_reenrolment,
    totp_uri,
)
from registry.errors import Conflict, InvalidValue, NotFound
from runtime.extensions import db


def _private(body: str, status: int = 200) -> Response:
    response = make_response(body, status)
    response.headers["Cache-Control"] = "no-store"
    return response


def _enrolment_page(secret: str, error: str = "", status: int = 200) -> Response:
    actor = current_actor()
    uri = totp_uri(secret, actor.name)
    qr = segno.make(uri, error="m").svg_data_uri(scale=5, border=2)
    page = render_template("admin/totp.html", secret=secret, uri=uri, qr=qr, error=error)
    return _private(page, status)


@bp.get("/account/totp")
@login_required
def totp() -> Response:
    """Enrol an authenticator (QR code and key), or ask for password and code to replace it."""
    actor = current_actor()
    assert actor.user_id is not None
    secret = pending_secret(db.session(), actor.user_id)
    if secret is None:
        return _private(render_template("admin/totp_reenrol.html"))
    return _enrolment_page(secret)


@bp.post("/account/totp")
@login_required
def confirm_totp() -> Response:
    """Confirm the enrolment with a code from the app; show the recovery codes, once."""
    actor = current_actor()
    assert actor.user_id is not None
    try:
        codes = enable_totp(
            db.session(), actor.user_id, request.form.get("code", ""), clock.utcnow()
        )
    except InvalidValue:
        secret = pending_secret(db.session(), actor.user_id)
        if secret is None:
            return redirect(url_for("admin_console.totp"), 303)
        error = _("The code does not match; check the authenticator app's clock and try again.")
        return _enrolment_page(secret, error, 422)
    return _private(render_template("admin/recovery_codes.html", codes=codes))


@bp.post("/account/totp/replace")
@login_required
def replace_totp() -> Response:
    """Start replacing the authenticator: the password and a current code first."""
    actor = current_actor()
    assert actor.user_id is not None
    form = request.form
    try:
        start_reenrolment(
            db.session(),
            actor.user_id,
            form.get("password", ""),
            form.get("code", ""),
            clock.utcnow(),
        )
    except EnrolmentRefused:
        error = _("Refused: check the password and the authentication code.")
        return _private(render_template("admin/totp_reenrol.html", error=error), 401)
    flash(_("Scan the new QR code, then confirm it with a code from the app."), "info")
    return redirect(url_for("admin_console.totp"), 303)


_PASSWORD_FIELDS = {
    "current_password": _l("Current password"),
    "new_password": _l("New password"),
    "confirm_password": _l("New password again"),
}


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> Response:
    """Change the password with the current one; the account's other sessions end."""
    actor = current_actor()
    assert actor.user_id is not None
    if request.method == "GET":
        return _private(render_template("admin/password.html", fields=_PASSWORD_FIELDS))
    form = request.form
    try:
        if form.get("new_password", "") != form.get("confirm_password", ""):
            raise InvalidValue("confirm_password", "does not repeat the new password")
        set_new_password(
            db.session(),
            actor.user_id,
            form.get("current_password", ""),
            form.get("new_password", ""),
            clock.utcnow(),
            keep_token=current_session_token(),
        )
    except (InvalidValue, Conflict) as error:
        page = render_template(
            "admin/password.html", fields=_PASSWORD_FIELDS, error=_password_error(error)
        )
        return _private(page, 422 if isinstance(error, InvalidValue) else 409)
    flash(_("Password changed; your other sessions have ended."), "info")
    return redirect(url_for("admin_console.dashboard"), 303)


def _password_error(error: InvalidValue | Conflict) -> str:
    """The refusal in the reader's language: the field named, then the rule it broke."""
    if isinstance(error, Conflict):
        return str(_("Too many wrong passwords; wait a while and try again."))
    label = str(_PASSWORD_FIELDS.get(error.field, error.field))
    reasons = {
        "does not match the account's password": _("it is not the account's password."),
        "must differ from the current password": _("it must differ from the current one."),
        "does not repeat the new password": _("it does not repeat the new password."),
        "is on the list of common passwords; choose a less guessable one": _(
            "it is on the list of common passwords; choose a less guessable one."
        ),
        "must not contain the username": _("it must not contain the username."),
        "is the published demo password; choose your own": _(
            "it is the published demo password; choose your own."
        ),
    }
    reasons[f"must be at least {MIN_PASSWORD_LENGTH} characters long"] = _(
        "it must be at least %(count)s characters long.", count=MIN_PASSWORD_LENGTH
    )
    reason = reasons.get(error.reason, error.reason)
    return str(_("%(field)s: %(reason)s", field=label, reason=reason))


@bp.post("/users/<int:user_id>/reset-password")
@login_required
def user_reset_password(user_id: int) -> Response:
    """An admin resets an account's password; the temporary one is shown once."""
    try:
        username, temporary = reset_password(db.session(), current_actor(), user_id, clock.utcnow())
    except (Conflict, NotFound) as error:
        flash(error.message, "error")
        return redirect(url_for("admin_console.users"), 303)
    page = render_template("admin/password_reset.html", temporary=temporary, username=username)
    return _private(page)

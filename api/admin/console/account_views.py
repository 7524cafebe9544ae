"""The signed-in account's own security: enrolling and replacing the authenticator app.

Pages that show a secret or recovery codes are sent with `Cache-Control: no-store`.
"""

from __future__ import annotations

import segno
from flask import flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from api.admin.console.blueprint import bp
from api.auth import current_actor, login_required
from registry import clock
from registry.accounts.second_factor import (
    EnrolmentRefused,
    enable_totp,
    pending_secret,
    start_reenrolment,
    totp_uri,
)
from registry.errors import InvalidValue
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

"""Who is signed in: session login (argon2, optional TOTP), lockout, CSRF, and the current actor.

CSRF: `CSRFProtect` guards every unsafe request, the JSON admin API included (send the token
as the `X-CSRFToken` header). Routes authenticated by an API key instead of a session must opt
out by blueprint: call `csrf_exempt_blueprint(bp)` before registering `bp`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

import pyotp
from flask import Blueprint, Flask, Response, g, redirect, request, url_for
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf.csrf import CSRFProtect

from api.errors import error_response
from registry.accounts.users import hash_password, password_matches
from registry.actors import Actor
from registry.audit import trail as audit
from registry.errors import Forbidden, InvalidValue
from registry.models import User, utcnow
from registry.transaction import atomic
from runtime.extensions import db

MAX_FAILED_LOGINS = 5
LOCKOUT = dt.timedelta(minutes=15)
API_PREFIX = "/api/"

csrf = CSRFProtect()
login_manager = LoginManager()
# Verified against when the username is unknown, so both failures take the same time.
_DUMMY_HASH = hash_password("not-a-real-password-0000")

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class SessionUser(UserMixin):  # type: ignore[misc]
    """The signed-in account as Flask-Login sees it (no ORM object kept across requests)."""

    id: int
    username: str
    role: str

    def get_id(self) -> str:
        """The id stored in the session cookie."""
        return str(self.id)


class LoginRefused(Exception):
    """Login failed; `message` is safe to show (never says which part was wrong)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def totp_matches(secret: str, code: str) -> bool:
    """True when `code` is the current TOTP code for `secret` (one step of clock drift allowed)."""
    code = (code or "").replace(" ", "")
    return code.isdigit() and pyotp.TOTP(secret).verify(code, valid_window=1)


def new_totp_secret() -> str:
    """A fresh base32 TOTP secret."""
    return pyotp.random_base32()


def totp_uri(secret: str, username: str) -> str:
    """The otpauth:// URI an authenticator app imports."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name="Patent Registry")


def enable_totp(user_id: int, secret: str, code: str) -> None:
    """Turn on the second factor once the user proves their authenticator shows `code`."""
    if not totp_matches(secret, code):
        raise InvalidValue("totp", "the code does not match; check the authenticator's clock")
    with atomic(db.session):
        user = db.session.get(User, user_id)
        if user is None:
            raise Forbidden("the account no longer exists")
        user.totp_secret = secret
        audit.record(
            db.session,
            actor=user.username,
            action="user.totp_enable",
            object_type="user",
            object_id=user.id,
        )


def _refuse(user: User, now: dt.datetime) -> None:
    """Count a failed attempt and lock the account after too many in a row."""
    with atomic(db.session):
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.locked_until = now + LOCKOUT
            user.failed_logins = 0
            audit.record(
                db.session,
                actor="system",
                action="user.lock",
                object_type="user",
                object_id=user.id,
                after={"locked_until": user.locked_until.isoformat()},
                reason=f"{MAX_FAILED_LOGINS} failed logins in a row",
            )


def authenticate(username: str, password: str, totp_code: str = "") -> User:
    """Check password (and TOTP when enabled); lock the account after repeated failures."""
    now = utcnow()
    user = db.session.query(User).filter_by(username=(username or "").strip().lower()).one_or_none()
    if user is None or not user.active:
        password_matches(_DUMMY_HASH, password or "")
        raise LoginRefused("unknown username or wrong password")
    if user.locked_until is not None and user.locked_until > now:
        raise LoginRefused(
            f"account locked after repeated failed logins; try again after "
            f"{user.locked_until.strftime('%H:%M')} UTC"
        )
    if not password_matches(user.password_hash, password or ""):
        _refuse(user, now)
        raise LoginRefused("unknown username or wrong password")
    if user.totp_secret and not totp_matches(user.totp_secret, totp_code):
        _refuse(user, now)
        raise LoginRefused("the authentication code is missing or wrong")
    if user.failed_logins or user.locked_until:
        with atomic(db.session):
            user.failed_logins = 0
            user.locked_until = None
    return user


def sign_in(user: User) -> None:
    """Start a session for an authenticated user."""
    login_user(SessionUser(user.id, user.username, user.role))


def sign_out() -> None:
    """End the current session."""
    logout_user()


def current_actor() -> Actor:
    """The signed-in user as a domain Actor; Forbidden when nobody is signed in."""
    if not current_user.is_authenticated:
        raise Forbidden("sign in first")
    return Actor(name=current_user.username, role=current_user.role, user_id=current_user.id)


def login_required(view: F) -> F:
    """Require a signed-in user: 401 JSON for the API, a redirect to the login page otherwise."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def require_role(actor: Actor, roles: frozenset[str], what: str) -> None:
    """Raise Forbidden unless the actor has one of `roles` (for reads Actor.require lacks)."""
    if actor.role not in roles:
        raise Forbidden(f"role '{actor.role}' may not {what}")


def csrf_exempt_blueprint(bp: Blueprint) -> None:
    """Exempt a bearer-key blueprint from CSRF (it carries no cookies, so CSRF cannot apply)."""
    csrf.exempt(bp)


@login_manager.user_loader
def _load_user(user_id: str) -> SessionUser | None:
    # Looked up on every request, so a deactivation or role change takes effect at once.
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    if user is None or not user.active:
        return None
    return SessionUser(user.id, user.username, user.role)


@login_manager.unauthorized_handler
def _unauthorized() -> Response | tuple[Response, int]:
    if request.path.startswith(API_PREFIX):
        response, status = error_response(401, "unauthorized", "sign in at /admin/login first")
        return response, status
    return redirect(url_for("admin_console.login", next=request.full_path))


def init_app(app: Flask) -> None:
    """Attach session login and CSRF protection to the app."""
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # valid for the session's lifetime
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.session_protection = "strong"
    field = app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")

    @app.before_request
    def _forget_previous_identity() -> None:
        # Flask-Login and Flask-WTF cache per request in `g`, which lives as long as the app
        # context; when one context serves several requests (tests, embedded use) the cache
        # would leak one client's identity or token into the next request.
        g.pop("_login_user", None)
        g.pop(field, None)

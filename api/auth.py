"""Who is signed in: the Flask-Login session, CSRF, and the current actor.

The rules of signing in (passwords, second factor, lockout) live in `registry.accounts`;
this module only keeps the session that follows.

CSRF: `CSRFProtect` guards every unsafe request, the JSON admin API included (send the token
as the `X-CSRFToken` header). Routes authenticated by an API key instead of a session must opt
out by blueprint: call `csrf_exempt_blueprint(bp)` before registering `bp`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from flask import Blueprint, Flask, Response, current_app, g, redirect, request, url_for
from flask import session as flask_session
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf.csrf import CSRFProtect
from werkzeug.wrappers import Response as BaseResponse

from api.errors import error_response
from registry import clock
from registry.accounts import sessions
from registry.accounts.second_factor import needs_enrolment
from registry.actors import Actor
from registry.errors import Forbidden
from registry.models import User
from runtime.extensions import db
from runtime.session_stores import session_limits

API_PREFIX = "/api/"

csrf = CSRFProtect()
login_manager = LoginManager()

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class SessionUser(UserMixin):  # type: ignore[misc]
    """The signed-in account as Flask-Login sees it (no ORM object kept across requests)."""

    id: int
    username: str
    role: str
    # A step the account must take before anything else: "second_factor" or "password".
    held_for: str = ""

    def get_id(self) -> str:
        """The id stored in the session cookie."""
        return str(self.id)


SESSION_COOKIE_KEY = "sid"


# Where a held session may go: the page of its step, and sign-out.
HELD_STEP_ENDPOINTS = {
    "second_factor": "admin_console.totp",
    "password": "admin_console.change_password",
}
_OPEN_WHILE_HELD = frozenset(
    {*HELD_STEP_ENDPOINTS.values(), "admin_console.confirm_totp", "admin_console.logout"}
)


def _held_for(user: User) -> str:
    if user.must_change_password:
        return "password"
    production = current_app.config.get("REGISTRY_ENV") == "production"
    return "second_factor" if needs_enrolment(user, production) else ""


def _session_user(user: User) -> SessionUser:
    return SessionUser(user.id, user.username, user.role, _held_for(user))


def sign_in(user: User) -> None:
    """Start a server-side session for an authenticated user; the cookie carries its token."""
    flask_session.clear()  # a fresh cookie: nothing from before sign-in carries over
    flask_session[SESSION_COOKIE_KEY] = sessions.start_session(db.session(), user, clock.utcnow())
    login_user(_session_user(user))


def current_session_token() -> str:
    """The token of the signed-in session ("" when none), to keep it across a password change."""
    return str(flask_session.get(SESSION_COOKIE_KEY) or "")


def held_step() -> str:
    """The step the signed-in account must take before anything else ("" when none)."""
    return str(getattr(current_user, "held_for", "") or "")


def sign_out() -> None:
    """End the current session on the server, then forget the cookie's state."""
    token = flask_session.get(SESSION_COOKIE_KEY)
    if token:
        sessions.end_session(db.session(), str(token), clock.utcnow())
    logout_user()
    flask_session.clear()


def current_actor() -> Actor:
    """The signed-in user as a domain Actor; Forbidden when nobody is signed in."""
    if not current_user.is_authenticated:
        raise Forbidden("sign in first")
    return Actor(name=current_user.username, role=current_user.role, user_id=current_user.id)


def login_required(view: F) -> F:
    """Require a signed-in user: 401 JSON for the API, a redirect to the login page otherwise.

    A session held for a step (second-factor enrolment in production, a forced password
    change) reaches only that step's page and sign-out until the step is done.
    """

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        step = held_step()
        if step and request.endpoint not in _OPEN_WHILE_HELD:
            return _send_to_step(step)
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


# The `decorators` of a MethodView resource that needs a signed-in user.
SIGNED_IN: list[Callable[..., Any]] = [login_required]


def require_role(actor: Actor, roles: frozenset[str], what: str) -> None:
    """Raise Forbidden unless the actor has one of `roles` (for reads Actor.require lacks)."""
    if actor.role not in roles:
        raise Forbidden(
            "role '%(role)s' may not %(what)s",
            role=actor.role,
            what=what,
        )


def csrf_exempt_blueprint(bp: Blueprint) -> None:
    """Exempt a bearer-key blueprint from CSRF (it carries no cookies, so CSRF cannot apply)."""
    csrf.exempt(bp)


def _load_user(user_id: str) -> SessionUser | None:
    # Looked up on every request: a logout, timeout or revocation takes effect at once.
    token = str(flask_session.get(SESSION_COOKIE_KEY) or "")
    limits = session_limits(current_app.config)
    user = sessions.session_user(db.session(), token, clock.utcnow(), limits)
    if user is None or str(user.id) != user_id:
        return None
    return _session_user(user)


def _send_to_step(step: str) -> BaseResponse | tuple[Response, int]:
    target = url_for(HELD_STEP_ENDPOINTS[step])
    if request.path.startswith(API_PREFIX):
        message = (
            f"enrol a second factor at {target} first"
            if step == "second_factor"
            else f"change the password at {target} first"
        )
        return error_response(403, f"{step}_required", message)
    return redirect(target, 303)


def _unauthorized() -> BaseResponse | tuple[Response, int]:
    if request.path.startswith(API_PREFIX):
        response, status = error_response(401, "unauthorized", "sign in at /admin/login first")
        return response, status
    return redirect(url_for("admin_console.login", next=request.full_path))


# Registered by call rather than as decorators: Flask-Login's decorators carry no types.
login_manager.user_loader(_load_user)
login_manager.unauthorized_handler(_unauthorized)


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

"""Liveness (`/healthz`) and readiness (`/readyz`) probes."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Flask, Response, current_app, jsonify
from sqlalchemy import text

from runtime.extensions import db

bp = Blueprint("health", __name__)

ReadinessCheck = Callable[[], tuple[bool, str]]


def database_check() -> tuple[bool, str]:
    """The database answers a trivial query."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as error:  # any driver error means "not ready"
        db.session.rollback()
        return False, f"database unreachable: {type(error).__name__}"
    return True, "reachable"


def register_check(app: Flask, name: str, check: ReadinessCheck) -> None:
    """Add a named readiness check (signing keys, feed freshness, ...)."""
    app.extensions.setdefault("readiness_checks", {})[name] = check


def run_check(app: Flask, name: str) -> tuple[bool, str]:
    """Run the readiness check registered as `name`; not ready when none is."""
    check = app.extensions.get("readiness_checks", {}).get(name)
    if check is None:
        return False, f"no {name!r} check is registered"
    result: tuple[bool, str] = check()
    return result


@bp.get("/healthz")
def healthz() -> Response:
    """The process is up."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz() -> tuple[Response, int]:
    """Every readiness check passes; 503 with the failing ones otherwise."""
    checks: dict[str, ReadinessCheck] = current_app.extensions.get("readiness_checks", {})
    results = {name: check() for name, check in checks.items()}
    ready = all(ok for ok, _ in results.values())
    body = {
        "status": "ready" if ready else "not_ready",
        "checks": {name: {"ok": ok, "detail": detail} for name, (ok, detail) in results.items()},
    }
    return jsonify(body), 200 if ready else 503


def init_app(app: Flask) -> None:
    """Register the probes and the database check."""
    app.register_blueprint(bp)
    register_check(app, "database", database_check)

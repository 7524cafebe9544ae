"""Every error leaves as JSON `{code, status, message, errors}` (or a page for browsers)."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, request
from redis import RedisError
from sqlalchemy.exc import DataError, DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException

from api.error_language import localised
from registry.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidValue,
    NotFound,
    ScreeningIndexPending,
    SigningUnavailable,
)
from runtime.extensions import db

log = logging.getLogger(__name__)

STATUS_BY_ERROR: list[tuple[type[DomainError], int]] = [
    (InvalidValue, 422),
    (NotFound, 404),
    (Forbidden, 403),
    (Conflict, 409),
    (SigningUnavailable, 503),
    (ScreeningIndexPending, 503),
]


def error_response(
    status: int,
    code: str,
    message: str,
    errors: dict[str, list[str]] | None = None,
    domain: DomainError | None = None,
) -> tuple[Response, int]:
    """The JSON error body shared by every endpoint, its message in the caller's language.

    `domain` is the domain error the answer reports, if any: a Chinese reader gets its reason
    in Chinese.
    """
    message, language = localised(code, message, errors or {}, domain)
    body = {"code": code, "status": status, "message": message, "errors": errors or {}}
    response = jsonify(body)
    response.headers["Content-Language"] = language
    return response, status


def status_for(error: DomainError) -> int:
    """The HTTP status a domain error maps to."""
    for kind, status in STATUS_BY_ERROR:
        if isinstance(error, kind):
            return status
    return 400


def _discard_transaction() -> None:
    # The failed transaction must go now, not at teardown: where one app context serves
    # several requests (tests, CLI, scheduler), the session would otherwise refuse all later
    # work with PendingRollbackError, even once the database is back.
    try:
        db.session.rollback()
    except DBAPIError:  # the connection is gone too (server shutting down or restarted)
        log.debug("rollback after a database error failed", exc_info=True)
        _abandon_session()


def _abandon_session() -> None:
    # Drop the session's connections without the rollback a dead server cannot answer; the
    # pool opens fresh ones (checked by pool_pre_ping) on the next request.
    try:
        db.session().invalidate()
    except DBAPIError:
        log.debug("invalidating the session's connections failed", exc_info=True)
    db.session.registry.clear()


def _release_session(_error: BaseException | None) -> None:
    # Runs before Flask-SQLAlchemy's own teardown (teardowns run in reverse order of
    # registration). Closing a session rolls back its transaction; if the server went away
    # mid-request that rollback raises after the response was made, and gunicorn would
    # answer 500 in its place.
    try:
        db.session.remove()
    except DBAPIError as error:
        log.warning("closing the database session failed: %s", error)
        _abandon_session()


def init_app(app: Flask) -> None:
    """Register the error handlers, and a session teardown that survives a dead server."""
    app.teardown_appcontext(_release_session)

    @app.errorhandler(DomainError)
    def _domain(error: DomainError) -> tuple[Response, int]:
        return error_response(
            status_for(error), error.code, error.message, error.errors, domain=error
        )

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> tuple[Response, int]:
        status = error.code or 500
        errors = getattr(error, "data", {}).get("messages") if hasattr(error, "data") else None
        flat: dict[str, list[str]] = {}
        if isinstance(errors, dict):
            for location in errors.values():
                if isinstance(location, dict):
                    flat.update(
                        {k: v if isinstance(v, list) else [str(v)] for k, v in location.items()}
                    )
        code = (error.name or "error").lower().replace(" ", "_")
        return error_response(status, code, error.description or error.name, flat)

    @app.errorhandler(OperationalError)
    def _database_down(error: OperationalError) -> tuple[Response, int]:
        log.warning("database unavailable during %s %s: %s", request.method, request.path, error)
        _discard_transaction()
        return error_response(
            503, "database_unavailable", "the database is unavailable; retry shortly"
        )

    @app.errorhandler(RedisError)
    def _session_store_down(error: RedisError) -> tuple[Response, int]:
        # Sessions kept in Redis (REGISTRY_SESSION_REDIS_URL) cannot be checked: refuse rather
        # than fall back to the database, where a revoked session would still look live.
        log.warning(
            "session store unavailable during %s %s: %s", request.method, request.path, error
        )
        _discard_transaction()
        return error_response(
            503, "session_store_unavailable", "the session store is unavailable; retry shortly"
        )

    @app.errorhandler(OverflowError)
    @app.errorhandler(DataError)
    def _out_of_range(error: Exception) -> tuple[Response, int]:
        # A number or text the database cannot hold (e.g. an id beyond 64 bits) came from the
        # request, which no validation stopped: the client's mistake, not the server's.
        log.warning("value out of range during %s %s: %s", request.method, request.path, error)
        _discard_transaction()
        return error_response(
            400, "value_out_of_range", "a value in the request is too large or not storable"
        )

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> tuple[Response, int]:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, "internal_error", "an unexpected error occurred")

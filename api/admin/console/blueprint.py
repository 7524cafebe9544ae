"""The console's blueprint, its error pages, and the form helpers its views share."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal, overload

from flask import Blueprint, flash, render_template
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import NotFound as HTTPNotFound

from registry.errors import Conflict, Forbidden, InvalidValue, NotFound

bp = Blueprint("admin_console", __name__, url_prefix="/admin")


@contextmanager
def reported_errors() -> Iterator[None]:
    """Turn a fixable domain error inside the block into a flashed message."""
    try:
        yield
    except (InvalidValue, Conflict) as error:
        flash(error.message, "error")


@overload
def form_date(form: dict[str, str], name: str, required: Literal[True] = True) -> dt.date: ...
@overload
def form_date(form: dict[str, str], name: str, required: bool) -> dt.date | None: ...
def form_date(form: dict[str, str], name: str, required: bool = True) -> dt.date | None:
    """A YYYY-MM-DD form field as a date; InvalidValue naming the field otherwise."""
    raw = (form.get(name) or "").strip()
    if not raw:
        if required:
            raise InvalidValue(name, "is required (YYYY-MM-DD)")
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise InvalidValue(name, f"{raw!r} is not a date; use YYYY-MM-DD") from None


def form_lines(form: dict[str, str], name: str) -> list[str]:
    """A textarea or comma-separated field as a list of non-empty items."""
    raw = (form.get(name) or "").replace(",", "\n")
    return [item.strip() for item in raw.splitlines() if item.strip()]


@bp.context_processor
def _signed_in_actor() -> dict[str, Any]:
    # The navigation needs the actor on every page, error and login pages included.
    from api.auth import current_actor

    return {"actor": current_actor() if current_user.is_authenticated else None}


@bp.errorhandler(CSRFError)
def _csrf_refused(error: CSRFError) -> tuple[str, int]:
    message = f"{error.description} Go back, reload the page and send the form again."
    return render_template("admin/error.html", title="Form refused", message=message), 400


@bp.errorhandler(Forbidden)
def _forbidden(error: Forbidden) -> tuple[str, int]:
    return render_template("admin/error.html", title="Not allowed", message=error.message), 403


@bp.errorhandler(NotFound)
def _not_found(error: NotFound) -> tuple[str, int]:
    return render_template("admin/error.html", title="Not found", message=error.message), 404


@bp.errorhandler(HTTPNotFound)
def _http_not_found(error: HTTPNotFound) -> tuple[str, int]:
    return render_template("admin/error.html", title="Not found", message="no such page"), 404

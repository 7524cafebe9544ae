"""The console's blueprint, its error pages, and the form helpers its views share."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Blueprint, flash, render_template
from flask_babel import gettext
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import NotFound as HTTPNotFound

from api.admin.console import words
from api.admin.console.forms import FormProblem, field_label, form_date, form_lines, form_problem
from api.error_language import domain_message
from api.site.i18n import (
    HTML_LANG,
    LANGUAGE_NAMES,
    LANGUAGES,
    current_language,
    remember_language,
    url_in_language,
)
from api.site.views import beijing_stamp
from registry.errors import Conflict, Forbidden, InvalidValue, NotFound

bp = Blueprint("admin_console", __name__, url_prefix="/admin")
bp.after_request(remember_language)

__all__ = ["FormProblem", "bp", "form_date", "form_lines", "form_problem", "reported_errors"]


@contextmanager
def reported_errors() -> Iterator[None]:
    """Turn a fixable domain error inside the block into a flashed message."""
    try:
        yield
    except (InvalidValue, Conflict) as error:
        flash(form_problem(error, ()).general or error.message, "error")


@bp.context_processor
def _signed_in_actor() -> dict[str, Any]:
    # The navigation needs the actor on every page, error and login pages included.
    from api.auth import current_actor

    return {
        "actor": current_actor() if current_user.is_authenticated else None,
        "word": words.word,
        "removal_text": words.removal_text,
        "in_language": words.in_language,
        "beijing": words.beijing,
        "beijing_stamp": beijing_stamp,
        "field_label": field_label,
        "languages": LANGUAGES,
        "language_names": LANGUAGE_NAMES,
        "language": current_language(),
        "html_lang": HTML_LANG[current_language()],
        "url_in_language": url_in_language,
    }


@bp.errorhandler(CSRFError)
def _csrf_refused(error: CSRFError) -> tuple[str, int]:
    message = gettext(
        "The form could not be checked (its security token is missing or has expired). "
        "Go back, reload the page and send the form again."
    )
    return render_template("admin/error.html", title=gettext("Form refused"), message=message), 400


@bp.errorhandler(Forbidden)
def _forbidden(error: Forbidden) -> tuple[str, int]:
    # The domain names the permission by its code; the page says it in the reader's words.
    role = current_user.role if current_user.is_authenticated else ""
    message = gettext("Your role (%(role)s) does not allow this.", role=words.word("role", role))
    return render_template("admin/error.html", title=gettext("Not allowed"), message=message), 403


@bp.errorhandler(InvalidValue)
def _invalid(error: InvalidValue) -> tuple[str, int]:
    # A list's query (page, date) that cannot be read; forms place their errors themselves.
    message = form_problem(error, ()).general or error.message
    return render_template(
        "admin/error.html", title=gettext("Check the address"), message=message
    ), 422


@bp.errorhandler(Conflict)
def _conflict(error: Conflict) -> tuple[str, int]:
    return render_template(
        "admin/error.html", title=gettext("Not possible now"), message=domain_message(error)
    ), 409


@bp.errorhandler(NotFound)
def _not_found(error: NotFound) -> tuple[str, int]:
    return render_template(
        "admin/error.html", title=gettext("Not found"), message=domain_message(error)
    ), 404


@bp.errorhandler(HTTPNotFound)
def _http_not_found(error: HTTPNotFound) -> tuple[str, int]:
    return render_template(
        "admin/error.html", title=gettext("Not found"), message=gettext("No such page.")
    ), 404

"""The HTTP edge attached to an app: the site, the console, /api/v1, the feed and security."""

from __future__ import annotations

from flask import Flask

from api import (
    admin,
    auth,
    changes_api,
    error_language,
    errors,
    feed,
    hostile_input,
    ledger_api,
    publication_status,
    rest,
    screening_api,
    security,
    site,
    watchlists_api,
)
from api.admin.console import words


def init_app(app: Flask) -> None:
    """Register error mapping, security, the site, login, the REST API and the feed."""
    errors.init_app(app)
    error_language.use_parameter_words(app, words.PARAMETERS)
    hostile_input.init_app(app)
    security.init_app(app)
    site.init_app(app)
    auth.init_app(app)
    rest.init_app(app)
    admin.init_app(app)
    feed.init_app(app)
    publication_status.init_app(app)
    ledger_api.init_app(app)
    screening_api.init_app(app)
    changes_api.init_app(app)
    watchlists_api.init_app(app)

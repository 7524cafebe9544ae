"""The public disclosure website (Chinese and English), served by the `site` blueprint."""

from __future__ import annotations

from flask import Flask

from api.site import api_docs  # noqa: F401 - registers /api/docs on the site blueprint
from api.site.i18n import init_babel
from api.site.views import bp


def init_app(app: Flask) -> None:
    """Set up translations and register the public site's pages."""
    init_babel(app)
    app.register_blueprint(bp)

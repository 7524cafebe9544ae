"""The screening API: bearer-key lookups and batch screening with signed receipts, the public
entry reads, and the admin endpoints for API keys."""

from __future__ import annotations

from flask import Flask

from api.rest import register_blueprint


def init_app(app: Flask) -> None:
    """Register the screening, public entry and API key blueprints (after api.rest)."""
    from api.screening_api import admin_keys, entries, ftm_match, screening

    for module in (entries, screening, ftm_match, admin_keys):
        register_blueprint(app, module.blp)

"""The admin surface: the JSON admin API under /api/v1/admin and the console under /admin."""

from __future__ import annotations

from flask import Flask

from api.rest import register_blueprint


def init_app(app: Flask) -> None:
    """Register the admin API resources and the console (after api.auth and api.rest)."""
    from api.admin import api_listings, api_persons, api_records, api_users, console

    for module in (api_records, api_persons, api_listings, api_users):
        register_blueprint(app, module.blp)
    app.register_blueprint(console.bp)

"""The application factory: the one place where the app is assembled."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from api import (
    admin,
    auth,
    changes_api,
    cli,
    errors,
    feed,
    health,
    hostile_input,
    ledger_api,
    publication_status,
    rest,
    screening_api,
    security,
    signing_setup,
    site,
    watchlists_api,
)
from api.config import load_config
from api.extensions import db, limiter, migrate
from publisher import jobs

MIGRATIONS_DIR = str(Path(__file__).resolve().parent.parent / "migrations")


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create and configure the registry web application."""
    app = Flask(__name__, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(load_config(app.instance_path))
    if test_config:
        app.config.update(test_config)

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True)
    limiter.init_app(app)
    with app.app_context():
        _configure_sqlite(db.engine)

    errors.init_app(app)
    hostile_input.init_app(app)
    security.init_app(app)
    site.init_app(app)
    health.init_app(app)
    signing_setup.init_app(app)
    cli.init_app(app)
    auth.init_app(app)
    rest.init_app(app)
    admin.init_app(app)
    jobs.init_app(app)
    feed.init_app(app)
    publication_status.init_app(app)
    ledger_api.init_app(app)
    screening_api.init_app(app)
    changes_api.init_app(app)
    watchlists_api.init_app(app)
    return app


def _configure_sqlite(engine: Engine) -> None:
    """Foreign keys, WAL and a busy timeout make SQLite behave under several writers."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        if ":memory:" not in str(engine.url):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

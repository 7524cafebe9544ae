"""The base app: configuration, database, extensions, probes and signing keys, nothing else.

The web app (`server.app.create_app`) and the stand-alone publisher (`python -m publisher`)
both start from it and attach what they serve.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from runtime import health, index_store, read_replica, session_stores, signing_keys
from runtime.config import load_config
from runtime.extensions import db, limiter, migrate
from runtime.file_permissions import check_private_files, create_private_database
from runtime.log_privacy import install_log_scrubbing

MIGRATIONS_DIR = str(Path(__file__).resolve().parent.parent / "migrations")


def create_base_app(import_name: str, test_config: dict[str, Any] | None = None) -> Flask:
    """A configured app bound to the database and the signing keys.

    `import_name` is the package whose `templates/`, `static/` and `translations/` the app uses.
    """
    install_log_scrubbing()
    app = Flask(import_name, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(load_config(app.instance_path))
    if test_config:
        app.config.update(test_config)

    hops = app.config["REGISTRY"]["TRUSTED_PROXIES"]
    if hops:
        # Behind a load balancer the client address (rate limits, logs) is the forwarded one,
        # taken only from the configured number of trusted hops.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops
        )
    database_url = app.config["SQLALCHEMY_DATABASE_URI"]
    create_private_database(database_url)
    if app.config["REGISTRY_ENV"] == "production":
        check_private_files(database_url, app.config["KEYS_DIR"])
    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True)
    # The one Limiter is shared by every app of the process, and it takes an app's missing
    # RATELIMIT_ENABLED from the last app it served: each app states its own.
    app.config.setdefault("RATELIMIT_ENABLED", True)
    limiter.init_app(app)
    with app.app_context():
        _configure_sqlite(db.engine)
        read_replica.init_app(app, db.engine)
    session_stores.init_app(app)
    health.init_app(app)
    health.register_check(app, "read_replica", lambda: read_replica.readiness(app))
    health.register_check(
        app,
        "screening_index",
        lambda: index_store.readiness(app.config["REGISTRY"], Path(app.config["SCREENING_INDEX"])),
    )
    signing_keys.init_app(app)
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

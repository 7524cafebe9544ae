"""The demo dataset after one publication run, served over real HTTP on 127.0.0.1.

The browser tests and the runnable API quickstart both talk to this server, as a visitor or a
bank's program would, rather than to Flask's test client.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from publisher.jobs import run_publication
from registry.accounts import users as accounts
from registry.demo.loader import load_demo
from registry.listings.policy import Policy
from registry.models import Base
from runtime.extensions import db
from runtime.signing_keys import key_store
from tests.conftest import make_app
from tests.passwords import FAST_HASHER


@dataclass(frozen=True)
class LiveDemo:
    """The served app, its address and where its database, keys and feed live."""

    url: str
    app: Flask
    directory: Path

    @property
    def database_url(self) -> str:
        """The SQLAlchemy URL of the server's database."""
        return str(self.app.config["SQLALCHEMY_DATABASE_URI"])


@contextmanager
def live_demo(directory: Path, **overrides: object) -> Iterator[LiveDemo]:
    """Load the demo under `directory`, publish once, and serve it until the block ends."""
    app = make_app(directory, f"sqlite:///{directory / 'registry.sqlite3'}", **overrides)
    with app.app_context(), pytest.MonkeyPatch.context() as patch:
        # Cheap password hashing for the demo accounts: these tests look at what is published.
        patch.setattr(accounts, "_hasher", FAST_HASHER)
        Base.metadata.create_all(db.engine)
        load_demo(db.session(), Policy.from_settings(app.config["REGISTRY"]), key_store(app))
        db.session.remove()
    run_publication(app, progress=lambda _message: None)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-demo", daemon=True)
    thread.start()
    try:
        yield LiveDemo(f"http://127.0.0.1:{server.server_port}", app, directory)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.engine.dispose()

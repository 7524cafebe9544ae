"""A published demo registry on disk, built once per test session and copied for each user.

Loading and publishing the demo takes seconds, so it happens once; every module (and every
test that changes the registry) works on its own copy of the database, keys and feed.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask

from publisher.jobs import run_publication
from registry.accounts import users as accounts
from registry.demo.loader import load_demo
from registry.listings.policy import Policy
from registry.models import Base
from runtime.extensions import db
from runtime.signing_keys import key_store
from tests.conftest import make_app
from tests.passwords import FAST_HASHER

DATABASE = "registry.sqlite3"
_built: dict[str, Path] = {}


def app_in(directory: Path, **config: object) -> Flask:
    """An app whose database, keys and feed all live in `directory`."""
    # Module-wide tests call the log API far more often than one client may.
    config.setdefault("LOG_API_RATE_LIMIT", "100000/minute")
    return make_app(directory, f"sqlite:///{directory / DATABASE}", **config)


def _published_demo_files(factory: pytest.TempPathFactory) -> Path:
    """The directory of the demo loaded and published once (feed version 1)."""
    if "demo" not in _built:
        directory = factory.mktemp("published-demo")
        application = app_in(directory)
        with pytest.MonkeyPatch.context() as patch, application.app_context():
            # Cheap password hashing: these tests are about the log, not about login cost.
            patch.setattr(accounts, "_hasher", FAST_HASHER)
            Base.metadata.create_all(db.engine)
            load_demo(db.session, Policy.from_settings(application.config["REGISTRY"]), key_store())
            run_publication(application)
            db.session.remove()
            db.engine.dispose()
        _built["demo"] = directory
    return _built["demo"]


@contextmanager
def published_demo(factory: pytest.TempPathFactory, name: str) -> Iterator[Flask]:
    """An app on a private copy of the published demo, its app context pushed."""
    with copy_of(_published_demo_files(factory), factory.mktemp(name)) as application:
        yield application


def registry_files(application: Flask) -> Path:
    """The directory holding an app's database, keys and feed."""
    return Path(application.config["FEED_DIR"]).parent


@contextmanager
def copy_of(source: Path, directory: Path) -> Iterator[Flask]:
    """An app on a copy of the registry files in `source` (database, keys and feed)."""
    shutil.copytree(source, directory, dirs_exist_ok=True)
    application = app_in(directory)
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()

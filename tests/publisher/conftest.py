"""Fixtures of the publisher's tests: the demo registry, and a bucket on the S3 test server."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from registry.demo.loader import load_demo
from registry.listings.policy import Policy
from registry.models import Base
from runtime.extensions import db
from runtime.signing_keys import key_store
from tests.conftest import make_app
from tests.s3_server import S3Server


@pytest.fixture
def demo_app(tmp_path: Path) -> Iterator[Flask]:
    """An app on a SQLite file holding the demo data (three listings approved, unpublished)."""
    app = make_app(tmp_path, f"sqlite:///{tmp_path / 'registry.sqlite3'}")
    with app.app_context():
        Base.metadata.create_all(db.engine)
        load_demo(db.session(), Policy.from_settings(app.config["REGISTRY"]), key_store(app))
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def bucket(s3_server: S3Server) -> str:
    """A fresh, empty bucket on the shared S3 test server."""
    name = f"bucket-{uuid.uuid4().hex[:12]}"
    s3_server.create_bucket(name)
    return name

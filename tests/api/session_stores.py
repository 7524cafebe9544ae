"""The app on each session store: the database, and Redis at 127.0.0.1:6379.

A test that takes `app_on_each_store` runs once per store. The Redis run uses a key prefix of
its own and deletes its keys afterwards; it skips, with the reason shown, when Redis is not
running, unless REGISTRY_REQUIRE_REDIS=1 makes that a failure (as in CI).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from flask import Flask

from registry.models import Base
from runtime.extensions import db
from tests.conftest import make_app

REDIS_URL = "redis://127.0.0.1:6379/0"
REQUIRE_REDIS = os.environ.get("REGISTRY_REQUIRE_REDIS") == "1"


def redis_client() -> redis.Redis:
    """A client of the test Redis; skips (or fails, when required) if it is not running."""
    client = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    try:
        client.ping()
    except redis.RedisError as error:
        if REQUIRE_REDIS:
            pytest.fail(f"REGISTRY_REQUIRE_REDIS=1 but Redis at {REDIS_URL} answers: {error}")
        pytest.skip(f"Redis is not running at {REDIS_URL} ({error}): Redis session tests skipped")
    return client


def redis_keys(app: Flask, pattern: str = "*") -> list[str]:
    """The app's session keys in Redis matching `pattern` (none when sessions are in the DB)."""
    if not app.config.get("SESSION_REDIS_URL"):
        return []
    client = redis.Redis.from_url(app.config["SESSION_REDIS_URL"], decode_responses=True)
    return sorted(client.scan_iter(f"{app.config['SESSION_REDIS_PREFIX']}{pattern}"))


@pytest.fixture(params=["database", "redis"])
def app_on_each_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Flask]:
    """An app on a fresh SQLite file whose sessions live in the store of the parameter."""
    overrides: dict[str, object] = {}
    if request.param == "redis":
        client = redis_client()
        prefix = f"registry-test:{uuid.uuid4().hex}:"
        overrides = {"SESSION_REDIS_URL": REDIS_URL, "SESSION_REDIS_PREFIX": prefix}
    application = make_app(tmp_path, f"sqlite:///{tmp_path / 'test.sqlite3'}", **overrides)
    with application.app_context():
        Base.metadata.create_all(db.engine)
        yield application
        db.session.remove()
        db.engine.dispose()
    if request.param == "redis":
        for key in client.scan_iter(f"{overrides['SESSION_REDIS_PREFIX']}*"):
            client.delete(key)

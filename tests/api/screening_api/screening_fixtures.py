"""The demo dataset for the screening API tests: loaded once, copied for each test.

The demo is loaded with the log clock set DEMO_DAYS_AGO days back, so `as_of` questions about
days before and after later events have real answers.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from registry import clock
from registry.accounts import users as accounts
from registry.actors import SYSTEM, Actor
from registry.clients.api_keys import create_key
from registry.demo.loader import load_demo
from registry.listings.policy import Policy
from registry.models import Base, Listing, User, utcnow
from runtime.extensions import db
from runtime.signing_keys import key_store
from tests import builders
from tests.conftest import make_app
from tests.passwords import FAST_HASHER

DEMO_DAYS_AGO = 20
DEMO_CLOCK = utcnow().replace(hour=9, minute=0, second=0) - dt.timedelta(days=DEMO_DAYS_AGO)
DATABASE = "demo.sqlite3"


def _fast_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # A throwaway template: durability buys nothing and costs a sync per demo transaction.
    dbapi_connection.execute("PRAGMA synchronous=OFF")


# Test modules import the fixture, so pytest sees one per module: build the template once.
_TEMPLATES: dict[str, Path] = {}


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory holding the demo database and its signing keys."""
    if "demo" not in _TEMPLATES:
        _TEMPLATES["demo"] = _build_template(tmp_path_factory.mktemp("screening-demo"))
    return _TEMPLATES["demo"]


def _build_template(directory: Path) -> Path:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(accounts, "_hasher", FAST_HASHER)
        # Every listing transition (publish, amend, remove, expire) reads the log clock here.
        patch.setattr(clock, "utcnow", lambda: DEMO_CLOCK)
        application = make_app(directory, f"sqlite:///{directory / DATABASE}")
        with application.app_context():
            event.listen(db.engine, "connect", _fast_sqlite)
            db.engine.dispose()
            Base.metadata.create_all(db.engine)
            policy = Policy.from_settings(application.config["REGISTRY"])
            load_demo(db.session(), policy, key_store(application), today=DEMO_CLOCK.date())
            db.session.remove()
            db.engine.dispose()
    return directory


def demo_app(tmp_path: Path, template: Path, **config: object) -> Iterator[Flask]:
    """An app on a private copy of the demo database and keys."""
    for suffix in ("", "-wal", "-shm"):
        source = template / f"{DATABASE}{suffix}"
        if source.exists():
            shutil.copy2(source, tmp_path / source.name)
    shutil.copytree(template / "keys", tmp_path / "keys")
    application = make_app(tmp_path, f"sqlite:///{tmp_path / DATABASE}", **config)
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()


def bearer(secret: str) -> dict[str, str]:
    """The Authorization header for a key."""
    return {"Authorization": f"Bearer {secret}"}


def new_key(session: Session, scopes: str = "screen", rate_limit: str = "100000/minute") -> str:
    """A fresh API key's full secret."""
    return create_key(session, SYSTEM, "Example Bank", scopes.split(","), rate_limit).secret


def published(session: Session, kind: str | None = None) -> list[Listing]:
    """Published listings (optionally of one subject kind), in entry id order."""
    listings = session.scalars(
        select(Listing).where(Listing.state == "published").order_by(Listing.entry_id)
    ).all()
    return [listing for listing in listings if kind is None or listing.subject.kind == kind]


def demo_reviewers(session: Session) -> tuple[Actor, Actor]:
    """The demo's two reviewers, who may remove a listing together."""
    users = {u.username: u for u in session.scalars(select(User))}
    first, second = users["demo-reviewer"], users["demo-reviewer2"]
    return builders.actor(first), builders.actor(second)

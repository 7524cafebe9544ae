"""Lookups on PostgreSQL keep the serving version between change notices, and never beyond.

Each test runs a web app (the lookup worker, with its listener) on a fresh copy of the demo
database. Changes are committed by another process, by a connection whose triggers are
switched off (a notice that never comes), or by this process's own session.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, create_engine, make_url, select, text, update
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from api import public_view
from registry.demo.loader import load_demo
from registry.listings.policy import Policy
from registry.models import Base, EntryRevision, Listing
from registry.screening.serving import ServingVersion, serving_version, serving_version_raw
from runtime import version_notices
from runtime.extensions import db
from runtime.signing_keys import key_store
from runtime.version_reads import LISTENER, change_listener, read_versioned
from tests.api.screening_api.screening_fixtures import bearer, new_key, published
from tests.conftest import ROOT, make_app

pytestmark = pytest.mark.pg
# Generous: the machine running the tests may be busy.
NOTICE_WAIT = 10.0


@pytest.fixture(scope="module")
def template(pg_server_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A PostgreSQL database holding the demo (a template), and its signing keys."""
    directory = tmp_path_factory.mktemp("pg-demo")
    name = f"registry_demo_{uuid.uuid4().hex[:12]}"
    server = make_url(pg_server_url).set(drivername="postgresql+psycopg")
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    application = make_app(directory, server.set(database=name).render_as_string(False))
    with application.app_context():
        Base.metadata.create_all(db.engine)
        load_demo(db.session(), Policy.from_settings(application.config["REGISTRY"]), key_store())
        db.session.remove()
        db.engine.dispose()
    (directory / "name").write_text(name)
    yield directory
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


@pytest.fixture
def pg_demo(pg_server_url: str, template: Path, tmp_path: Path) -> Iterator[str]:
    """A fresh copy of the demo database (its URL), with the demo's keys under tmp_path."""
    name = f"registry_test_{uuid.uuid4().hex[:12]}"
    server = make_url(pg_server_url).set(drivername="postgresql+psycopg")
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    template_name = (template / "name").read_text()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template_name}"'))
    shutil.copytree(template / "keys", tmp_path / "keys")
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
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


def _app(tmp_path: Path, url: str, **config: object) -> Iterator[Flask]:
    application = make_app(tmp_path, url, **config)
    with application.app_context():
        yield application
        listener = application.extensions.get(LISTENER)
        if listener is not None:
            listener.stop()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app(tmp_path: Path, pg_demo: str) -> Iterator[Flask]:
    """The lookup worker on the demo database, keeping a version for up to a minute."""
    yield from _app(tmp_path, pg_demo, SERVING_VERSION_MAX_AGE_MS=60_000)


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[ServingVersion]:
    """Every serving version the lookups read from the database."""
    seen: list[ServingVersion] = []

    def counted(cursor: Any, dialect: Any) -> ServingVersion:
        version = serving_version_raw(cursor, dialect)
        seen.append(version)
        return version

    monkeypatch.setattr(public_view, "serving_version_raw", counted)
    return seen


def _lookup(client: FlaskClient, key: str, uscc: str) -> dict[str, Any]:
    response = client.get(
        "/api/v1/lookup", query_string={"scheme": "cn_uscc", "value": uscc}, headers=bearer(key)
    )
    assert response.status_code == 200, response.get_json()
    body: dict[str, Any] = response.get_json()
    return body


def _signed_checkpoint(
    client: FlaskClient, key: str, uscc: str, reads: list[ServingVersion]
) -> None:
    """The demo has no checkpoint over its whole log: a first lookup signs one (a commit)."""
    _lookup(client, key, uscc)
    reads.clear()


def _settled(client: FlaskClient, key: str, uscc: str, reads: list[ServingVersion]) -> None:
    """After a change: the lookup that signed a checkpoint over it (its own commit) aside,
    lookups use the version kept again."""
    _lookup(client, key, uscc)
    count = len(reads)
    _lookup(client, key, uscc)
    _lookup(client, key, uscc)
    assert len(reads) == count


def _listening() -> version_notices.ChangeListener:
    listener = change_listener()
    assert listener is not None
    _wait_for(lambda: listener.listening, "the listener to listen")
    return listener


def _wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + NOTICE_WAIT
    while not condition():
        assert time.monotonic() < deadline, f"waited {NOTICE_WAIT} s for {what}"
        time.sleep(0.01)


def _in_another_process(tmp_path: Path, url: str, code: str) -> None:
    """Run `code` in a fresh Python process, in an app context on the same database and keys."""
    script = textwrap.dedent(
        """
        import sys
        from pathlib import Path

        from tests.conftest import make_app  # first: it imports the fixtures module
        from registry.listings import published as published_listings
        from registry.models import Listing
        from runtime.extensions import db
        from runtime.signing_keys import key_store
        from tests.api.screening_api.screening_fixtures import demo_reviewers

        app = make_app(Path(sys.argv[1]), sys.argv[2])
        with app.app_context():
            session = db.session()
        """
    ) + textwrap.indent(textwrap.dedent(code), "    ")
    environment = os.environ | {"PYTHONPATH": str(ROOT)}
    subprocess.run(
        [sys.executable, "-c", script, str(tmp_path), url],
        cwd=ROOT,
        env=environment,
        check=True,
        timeout=120,
    )


def _removed_by_another_process(tmp_path: Path, app: Flask, listing_id: int) -> None:
    """Another process removes the listing, by the demo's reviewers (error, confirmed)."""
    _in_another_process(
        tmp_path,
        app.config["SQLALCHEMY_DATABASE_URI"],
        f"""
        listing = session.get(Listing, {listing_id})
        for reviewer in demo_reviewers(session):
            published_listings.remove(
                session, reviewer, key_store(), listing.id, "error", listing.proposed_on, "x"
            )
        """,
    )


def test_a_removal_by_another_process_shows_in_the_next_lookup_after_its_notice(
    app: Flask, client: FlaskClient, session: Session, reads: list[ServingVersion], tmp_path: Path
) -> None:
    key = new_key(session)
    listing = published(session, "legal_person")[0]
    uscc = listing.subject.identifiers[0].value
    listener = _listening()
    _signed_checkpoint(client, key, uscc, reads)
    assert _lookup(client, key, uscc)["answer"] == "listed"
    assert _lookup(client, key, uscc)["answer"] == "listed"
    assert len(reads) == 1  # the second lookup used the version kept

    heard = listener.heard
    _removed_by_another_process(tmp_path, app, listing.id)
    _wait_for(lambda: listener.heard > heard, "the notice of the removal")
    found = _lookup(client, key, uscc)
    assert found["answer"] == "previously_listed"
    assert len(reads) == 2 and reads[1].log_size > reads[0].log_size
    _settled(client, key, uscc, reads)


def test_a_screen_answer_kept_for_a_name_is_dropped_when_another_process_removes_it(
    app: Flask, client: FlaskClient, session: Session, reads: list[ServingVersion], tmp_path: Path
) -> None:
    key = new_key(session)
    listing = published(session, "legal_person")[0]
    uscc = listing.subject.identifiers[0].value
    listener = _listening()
    _signed_checkpoint(client, key, uscc, reads)

    def match() -> dict[str, Any]:
        response = client.post(
            "/api/v1/screen",
            json={"queries": [{"name": listing.subject.name}]},
            headers=bearer(key),
        )
        assert response.status_code == 200, response.get_json()
        found = [
            m
            for m in response.get_json()["results"][0]["matches"]
            if m["entry_id"] == listing.entry_id
        ]
        assert len(found) == 1
        return found[0]

    assert match()["status"] == "listed"
    assert match()["status"] == "listed"  # answered from the kept answer

    heard = listener.heard
    _removed_by_another_process(tmp_path, app, listing.id)
    _wait_for(lambda: listener.heard > heard, "the notice of the removal")
    assert match()["status"] == "previously_listed"


def test_a_publication_by_another_process_is_answered_under_its_new_checkpoint(
    app: Flask, client: FlaskClient, session: Session, reads: list[ServingVersion], tmp_path: Path
) -> None:
    key = new_key(session)
    waiting = session.scalars(
        select(Listing).where(Listing.state == "approved").order_by(Listing.entry_id)
    ).all()
    listing = next(one for one in waiting if one.subject.kind == "legal_person")
    uscc = listing.subject.identifiers[0].value
    listener = _listening()
    _signed_checkpoint(client, key, uscc, reads)
    before = _lookup(client, key, uscc)
    assert before["answer"] == "not_listed"
    assert _lookup(client, key, uscc)["checkpoint"] == before["checkpoint"]
    assert len(reads) == 1

    heard = listener.heard
    _in_another_process(
        tmp_path,
        app.config["SQLALCHEMY_DATABASE_URI"],
        """
        from publisher import jobs
        assert jobs.run_publication(app) is not None
        """,
    )
    _wait_for(lambda: listener.heard > heard, "the notice of the publication")
    after = _lookup(client, key, uscc)
    assert after["answer"] == "listed"
    assert after["checkpoint"]["tree_size"] > before["checkpoint"]["tree_size"]
    assert after["receipt"]["signed"]["checkpoint"] == after["checkpoint"]
    assert len(reads) == 2 and reads[1].checkpoint_size > reads[0].log_size
    _settled(client, key, uscc, reads)


def test_while_the_listener_is_down_every_lookup_reads_the_version(
    app: Flask,
    client: FlaskClient,
    session: Session,
    reads: list[ServingVersion],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    key = new_key(session)
    listing = published(session, "legal_person")[0]
    uscc = listing.subject.identifiers[0].value
    listener = _listening()
    _signed_checkpoint(client, key, uscc, reads)
    _lookup(client, key, uscc)
    assert len(reads) == 1

    # The listener's connection is cut, and it cannot connect again for now.
    real_engine = listener._engine
    monkeypatch.setattr(listener, "_retry", 0.05)
    monkeypatch.setattr(listener, "_engine", _engine(app, database="registry_no_such_database"))
    with db.engine.connect() as conn:
        cut = conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND query LIKE 'LISTEN%'"
            )
        ).all()
    assert cut == [(True,)]
    _wait_for(lambda: not listener.listening, "the listener to notice its connection is gone")
    for count in (2, 3, 4):
        assert _lookup(client, key, uscc)["answer"] == "listed"
        assert len(reads) == count
    # A change committed meanwhile, notified to no one, is in the next answer's version.
    first = session.scalar(select(EntryRevision.id).order_by(EntryRevision.id).limit(1))
    purged_at = dt.datetime(2026, 3, 3, 10, 0, tzinfo=dt.UTC)
    _commit_unnoticed(
        app, update(EntryRevision).where(EntryRevision.id == first).values(purged_at=purged_at)
    )
    _lookup(client, key, uscc)
    assert len(reads) == 5 and reads[-1].purges == (1, purged_at)

    # Listening again: one read, then the version is kept again.
    listener._engine = real_engine
    _wait_for(lambda: listener.listening, "the listener to listen again")
    _lookup(client, key, uscc)
    _lookup(client, key, uscc)
    assert len(reads) == 6


def test_a_change_whose_notice_never_comes_is_read_within_the_maximum_age(
    tmp_path: Path, pg_demo: str
) -> None:
    max_age = 3.0
    for application in _app(tmp_path, pg_demo, SERVING_VERSION_MAX_AGE_MS=int(max_age * 1000)):
        _listening()
        session = db.session()

        def current() -> ServingVersion:
            return read_versioned(serving_version_raw, lambda: serving_version(session))

        kept = current()
        assert current() is kept
        first = session.scalar(select(EntryRevision.id).order_by(EntryRevision.id).limit(1))
        purged_at = dt.datetime(2026, 3, 1, 8, 30, tzinfo=dt.UTC)
        committed = time.monotonic()
        _commit_unnoticed(
            application,
            update(EntryRevision).where(EntryRevision.id == first).values(purged_at=purged_at),
        )
        # No notice and no commit of this process's sessions: the kept version answers ...
        assert current() is kept
        # ... until its maximum age, counted from before its read, has passed.
        while True:
            asked = time.monotonic()
            found = current()
            if found is not kept:
                break
            assert asked - committed < max_age, "kept beyond the maximum age"
            time.sleep(0.01)
        assert found.purges == (1, purged_at)
        assert time.monotonic() - committed < max_age + 0.5


def test_a_commit_of_this_process_is_seen_at_once_without_waiting_for_its_notice(
    app: Flask, session: Session
) -> None:
    _listening()

    def current() -> ServingVersion:
        return read_versioned(serving_version_raw, lambda: serving_version(session))

    kept = current()
    assert current() is kept
    first = session.scalar(select(EntryRevision.id).order_by(EntryRevision.id).limit(1))
    purged_at = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    with _no_notices(session):
        session.execute(
            update(EntryRevision).where(EntryRevision.id == first).values(purged_at=purged_at)
        )
    assert current().purges == (1, purged_at)


def test_every_write_to_the_version_tables_notifies_on_commit_only(app: Flask) -> None:
    listening = _engine(app).raw_connection()
    try:
        driver: Any = listening.driver_connection
        driver.autocommit = True
        driver.execute("LISTEN registry_serving")
        with db.engine.connect() as conn:
            conn.execute(update(EntryRevision).values(purged_at=None))
            assert list(driver.notifies(timeout=0.2)) == []  # not committed yet
            conn.rollback()
        assert list(driver.notifies(timeout=0.2)) == []  # rolled back: nothing
        with db.engine.begin() as conn:
            conn.execute(update(EntryRevision).values(purged_at=None))
            conn.execute(update(EntryRevision).values(purged_at=None))
        notices = list(driver.notifies(timeout=1.0, stop_after=1))
        assert [(notice.channel, notice.payload) for notice in notices] == [
            ("registry_serving", "entry_revisions")
        ]
        assert list(driver.notifies(timeout=0.2)) == []  # one notice for the transaction
    finally:
        listening.close()


@contextlib.contextmanager
def _no_notices(session: Session) -> Iterator[None]:
    """The session's next transaction, committed at the end, fires no trigger: no notice."""
    session.execute(text("SET LOCAL session_replication_role = replica"))
    yield
    session.commit()


def _engine(app: Flask, **url: str) -> Engine:
    """A new engine on the app's database (or, with `database=`, another one), no pool."""
    return create_engine(
        make_url(app.config["SQLALCHEMY_DATABASE_URI"]).set(**url), poolclass=NullPool
    )


def _commit_unnoticed(app: Flask, statement: Any) -> None:
    """Commit `statement` on a connection of another engine, its triggers switched off."""
    other = _engine(app)
    try:
        with other.begin() as conn:
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            conn.execute(statement)
    finally:
        other.dispose()


def test_with_a_maximum_age_of_zero_every_lookup_reads_the_version(
    tmp_path: Path, pg_demo: str, reads: list[ServingVersion]
) -> None:
    for application in _app(tmp_path, pg_demo, SERVING_VERSION_MAX_AGE_MS=0):
        session = db.session()
        key = new_key(session)
        uscc = published(session, "legal_person")[0].subject.identifiers[0].value
        client = application.test_client()
        _signed_checkpoint(client, key, uscc, reads)
        for count in (1, 2, 3):
            _lookup(client, key, uscc)
            assert len(reads) == count
        assert change_listener() is None and LISTENER not in application.extensions

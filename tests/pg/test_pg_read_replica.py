"""Public reads from a real PostgreSQL hot standby; writes, the console and receipts on the primary.

The cluster (tests/pg/replica_cluster.py) is a primary and a streaming standby started for
this module. Every statement each engine runs is recorded, so the tests see which server
answered which request; pausing the standby's replay makes it lag for real.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select, text
from sqlalchemy.orm import Session

from api.public_view import CACHE
from publisher.jobs import run_publication
from registry import clock
from registry.demo.loader import load_demo
from registry.listings.policy import Policy
from registry.models import Base, Listing, ListingRequest, LogEvent
from runtime import read_replica
from runtime.extensions import db
from runtime.read_replica import ReadReplica, replica
from runtime.signing_keys import key_store
from tests.api.screening_api.screening_fixtures import bearer, new_key
from tests.conftest import REQUIRE_PG, make_app
from tests.pg.replica_cluster import ReplicaCluster, postgres_bindir

pytestmark = pytest.mark.pg
SAMPLING = ("pg_current_wal_lsn", "pg_is_in_recovery")
WRITES = ("INSERT", "UPDATE", "DELETE", "CREATE", "ALTER", "DROP")


@pytest.fixture(scope="module")
def cluster() -> Iterator[ReplicaCluster]:
    """A primary and its hot standby, for the module."""
    bindir = postgres_bindir()
    if bindir is None:
        if REQUIRE_PG:
            pytest.fail("REGISTRY_REQUIRE_PG=1 but the PostgreSQL binaries (initdb) are missing")
        pytest.skip("the PostgreSQL binaries (initdb, pg_basebackup) are not installed")
    started = ReplicaCluster.start(bindir)
    yield started
    started.stop()


class Statements:
    """The SQL each engine ran, lag sampling left out."""

    def __init__(self, primary: sa.Engine, standby: sa.Engine) -> None:
        self.primary: list[str] = []
        self.standby: list[str] = []
        event.listen(primary, "before_cursor_execute", self._into(self.primary))
        event.listen(standby, "before_cursor_execute", self._into(self.standby))

    @staticmethod
    def _into(seen: list[str]) -> Callable[..., None]:
        def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            if not any(marker in statement for marker in SAMPLING):
                seen.append(" ".join(statement.split()))

        return record

    def clear(self) -> None:
        """Forget what was recorded so far."""
        self.primary.clear()
        self.standby.clear()


@pytest.fixture
def node(tmp_path: Path, cluster: ReplicaCluster) -> Iterator[Flask]:
    """A web node on a fresh database of the primary, reading public pages from the standby."""
    name = f"registry_{uuid.uuid4().hex[:12]}"
    cluster.create_database(name)
    app = make_app(
        tmp_path,
        cluster.primary_url(name),
        SQLALCHEMY_READ_DATABASE_URI=cluster.standby_url(name),
    )
    assert replica(app) is not None
    with app.app_context():
        Base.metadata.create_all(db.engine)
        load_demo(db.session(), Policy.from_settings(app.config["REGISTRY"]), key_store(app))
        yield app
        db.session.remove()
        db.engine.dispose()
        found = replica(app)
        assert found is not None
        found.engine.dispose()


@pytest.fixture
def statements(node: Flask) -> Statements:
    """The statements of the node's two engines from now on."""
    found = replica(node)
    assert found is not None
    return Statements(db.engine, found.engine)


def standby_state(app: Flask) -> ReadReplica:
    """The node's read replica."""
    found = replica(app)
    assert found is not None
    return found


def approved(session: Session) -> list[Listing]:
    """The demo's approved listings, which the next run publishes."""
    return list(
        session.scalars(
            select(Listing).where(Listing.state == "approved").order_by(Listing.entry_id)
        )
    )


def test_public_reads_go_to_the_standby_and_everything_else_to_the_primary(
    node: Flask, cluster: ReplicaCluster, statements: Statements
) -> None:
    assert run_publication(node) is not None
    listing = db.session.scalars(
        select(Listing).where(Listing.state == "published").order_by(Listing.entry_id)
    ).first()
    assert listing is not None
    entry_id, name = listing.entry_id, listing.subject.name
    seq = db.session.scalar(select(LogEvent.seq).where(LogEvent.entry_id == entry_id))
    uscc = next(i.value for i in listing.subject.identifiers if i.scheme == "cn_uscc")
    key = new_key(db.session)
    cluster.wait_for_replay()
    client = node.test_client()
    statements.clear()

    for path in (
        "/",
        f"/search?q={name}",
        f"/entries/{entry_id}",
        f"/entries/{entry_id}/proof/{seq}",
        "/downloads/listings.csv",
        "/statistics",
        "/api/v1/entries",
        f"/api/v1/entries/{entry_id}",
    ):
        response = client.get(path)
        assert response.status_code in (200, 303), path
    assert statements.primary == []
    assert statements.standby
    assert not [s for s in statements.standby if s.upper().startswith(WRITES)]

    # A lookup: the key check and the receipt on the primary, the list state's replay on the
    # standby (which holds the log up to the answering checkpoint).
    node.extensions.pop(CACHE, None)
    statements.clear()
    response = client.post(
        "/api/v1/lookup", json={"scheme": "cn_uscc", "value": uscc}, headers=bearer(key)
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["answer"] == "listed"
    # Receipts are copied in on the primary's driver connection (COPY, not an ORM insert).
    receipt_id = response.get_json()["receipt"]["signed"]["receipt_id"]
    with db.engine.connect() as primary:
        stored = primary.execute(
            text("SELECT count(*) FROM receipts WHERE receipt_id = :id"), {"id": receipt_id}
        ).scalar_one()
    assert stored == 1
    assert any(s.startswith("SELECT log_events.") for s in statements.standby)
    assert not [s for s in statements.standby if s.upper().startswith(WRITES)]

    # The console and the probes never read from the standby.
    statements.clear()
    assert client.get("/admin/login").status_code == 200
    ready = client.get("/readyz")
    assert statements.standby == []
    detail = ready.get_json()["checks"]["read_replica"]
    assert detail["ok"] is True
    assert "behind" in detail["detail"]


def test_nothing_can_be_written_through_the_read_engine(
    tmp_path: Path, cluster: ReplicaCluster
) -> None:
    name = f"registry_{uuid.uuid4().hex[:12]}"
    cluster.create_database(name)
    # Even a read URL that names the primary itself opens read-only transactions.
    for read_url in (cluster.primary_url(name), cluster.standby_url(name)):
        app = make_app(
            tmp_path / str(len(read_url)),
            cluster.primary_url(name),
            SQLALCHEMY_READ_DATABASE_URI=read_url,
        )
        engine = standby_state(app).engine
        with Session(engine) as session, pytest.raises(sa.exc.DBAPIError, match="read-only"):
            session.execute(text("CREATE TABLE written_through_the_read_engine (x int)"))
        engine.dispose()
        with app.app_context():
            db.engine.dispose()
    app = make_app(
        tmp_path / "self",
        cluster.primary_url(name),
        SQLALCHEMY_READ_DATABASE_URI=cluster.primary_url(name),
    )
    with app.app_context():
        detail = app.test_client().get("/readyz").get_json()["checks"]["read_replica"]
        db.session.remove()
        db.engine.dispose()
    assert detail == {"ok": True, "detail": "read URL is not a standby: no replication lag"}
    standby_state(app).engine.dispose()


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 30) -> None:
    """Poll `condition` until it holds; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"{what} within {timeout} s")


def test_a_lagging_standby_never_changes_an_answer_and_its_pages_fall_back_to_the_primary(
    node: Flask,
    cluster: ReplicaCluster,
    statements: Statements,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    standby = standby_state(node)
    monkeypatch.setattr(read_replica, "CHECK_INTERVAL", 0.0)
    monkeypatch.setattr(standby, "max_lag", 600.0)
    new = approved(db.session)
    assert new
    listing_id = new[0].id
    uscc = next(i.value for i in new[0].subject.identifiers if i.scheme == "cn_uscc")
    key = new_key(db.session)
    db.session.commit()
    cluster.wait_for_replay()
    assert standby.fresh()
    client = node.test_client()

    cluster.pause_replay()
    try:
        report = run_publication(node)
        assert report is not None
        published = db.session.get(Listing, listing_id)
        assert published is not None and published.state == "published"
        entry_id = published.entry_id
        # Within the lag bound the standby still answers the pages: the new entry is not
        # there yet (the documented lag) ...
        assert standby.fresh()
        assert client.get(f"/entries/{entry_id}").status_code == 404
        # ... but a lookup is signed against the primary's checkpoint, which the standby
        # lacks, so its list state comes from the primary: the answer is current.
        statements.clear()
        answer = client.post(
            "/api/v1/lookup", json={"scheme": "cn_uscc", "value": uscc}, headers=bearer(key)
        ).get_json()
        assert answer["answer"] == "listed"
        assert answer["checkpoint"]["tree_size"] == report.tree_size
        # The standby was asked only how long its log is.
        assert [s for s in statements.standby if "log_events" in s] == [
            "SELECT max(log_events.seq) AS max_1 FROM log_events"
        ]

        # Past the bound, the pages go to the primary, and the node says so.
        monkeypatch.setattr(standby, "max_lag", 0.2)
        with caplog.at_level(logging.WARNING, logger="runtime.read_replica"):
            wait_until(lambda: not standby.fresh(), "the standby is seen as lagging")
        assert any("public reads go to the primary" in r.getMessage() for r in caplog.records)
        statements.clear()
        assert client.get(f"/entries/{entry_id}").status_code == 200
        assert statements.standby == []
        ready = client.get("/readyz").get_json()
        assert ready["checks"]["read_replica"]["ok"] is True
        assert "behind" in ready["checks"]["read_replica"]["detail"]
        assert "(allowed: 0.2 s)" in ready["checks"]["read_replica"]["detail"]
    finally:
        cluster.pause_replay(pause=False)

    cluster.wait_for_replay()
    wait_until(standby.fresh, "the standby is used again once it caught up")
    statements.clear()
    assert client.get(f"/entries/{entry_id}").status_code == 200
    assert statements.primary == []
    assert statements.standby


def test_an_entry_page_read_from_a_lagging_standby_is_kept_under_the_standbys_facts(
    node: Flask, cluster: ReplicaCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page the standby rendered is kept for what the standby had, not for the primary's
    newer facts: once the standby has them, the page is rendered again."""
    standby = standby_state(node)
    monkeypatch.setattr(read_replica, "CHECK_INTERVAL", 0.0)
    monkeypatch.setattr(standby, "max_lag", 600.0)
    listing = db.session.scalars(
        select(Listing).where(Listing.state == "published").order_by(Listing.entry_id)
    ).first()
    assert listing is not None and listing.entry_id is not None
    page = f"/entries/{listing.entry_id}?lang=en"
    cluster.wait_for_replay()
    assert standby.fresh()
    client = node.test_client()

    cluster.pause_replay()
    try:
        db.session.add(
            ListingRequest(
                listing_id=listing.id,
                kind="removal",
                lodged_on=clock.beijing_today(),
                text="error: listed in error",
            )
        )
        db.session.commit()
        assert standby.fresh()
        # The standby lacks the proposal (the documented lag): its page does not show it.
        assert "Removal pending" not in page_text(client, page)
        assert "Removal pending" not in page_text(client, page)
    finally:
        cluster.pause_replay(pause=False)

    cluster.wait_for_replay()
    wait_until(standby.fresh, "the standby is used again once it caught up")
    assert "Removal pending" in page_text(client, page)


def page_text(client: FlaskClient, path: str) -> str:
    """GET `path` as `get` does; the page's text."""
    response = client.get(path)
    db.session.remove()
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def get(client: FlaskClient, path: str) -> int:
    """GET `path` and end the session as a real request's app context would; the status."""
    # The tests' outer app context outlives each request, and with it the session and the
    # connections it holds; in production every request ends its own.
    status = client.get(path).status_code
    db.session.remove()
    return status


def test_a_dead_standby_sends_the_public_reads_to_the_primary(
    node: Flask,
    cluster: ReplicaCluster,
    statements: Statements,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(read_replica, "CHECK_INTERVAL", 0.0)
    standby = standby_state(node)
    cluster.wait_for_replay()
    client = node.test_client()
    assert get(client, "/api/v1/entries") == 200
    assert statements.standby
    cluster.stop_standby()
    try:
        statements.clear()
        for path in ("/", "/api/v1/entries", "/statistics"):
            assert get(client, path) == 200, path
        assert statements.standby == []
        assert statements.primary
        assert not standby.fresh()
        detail = client.get("/readyz").get_json()["checks"]["read_replica"]
        assert detail["ok"] is True
        assert "read replica unreachable" in detail["detail"]
    finally:
        cluster.start_standby()
    wait_until(standby.fresh, "the restarted standby is used again")
    statements.clear()
    assert get(client, "/api/v1/entries") == 200
    assert statements.primary == []

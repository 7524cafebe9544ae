"""What lookups reuse between requests, and the receipts they write in batches.

Receipts are signed in the request and written by the worker's receipt writer: at once when
REGISTRY_RECEIPT_FLUSH_MS is 0 (the other tests), here in batches. Whatever is reused must
never hide a change: a proposed removal, a new checkpoint or a revoked key.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event, func, select, update
from sqlalchemy.orm import Session

from api.public_view import SERVING_CACHE
from api.screening_api import schemas
from api.screening_api import screening as screening_views
from registry.actors import SYSTEM
from registry.clients.api_keys import revoke_key
from registry.listings import published as published_listings
from registry.models import ApiKey, EntryRevision, Listing, LogEvent, Receipt, ScreeningCall
from registry.publication.proof_bundles import bundles_at
from registry.screening.receipt_writer import ReceiptWriter
from registry.screening.receipts import prepare_receipt, verify_receipt
from registry.screening.screen import CheckpointRef
from registry.screening.serving import (
    ANSWER_CAPACITY,
    ServingCache,
    ServingVersion,
    serving_version,
    serving_version_raw,
)
from runtime.config import ConfigError, load_config
from runtime.receipt_writing import close_all, receipt_writer
from runtime.signing_keys import key_store
from runtime.version_reads import read_versioned
from tests.api.screening_api.screening_fixtures import (
    bearer,
    demo_app,
    demo_reviewers,
    new_key,
    published,
)
from tests.conftest import ROOT

# Long enough that nothing is written by the clock while a test runs.
NEVER_MS = 10_000


@pytest.fixture
def app(tmp_path: Path, demo_template: Path) -> Iterator[Flask]:
    """The demo registry with batched receipts that only a full batch or a reader writes."""
    yield from demo_app(tmp_path, demo_template, RECEIPT_FLUSH_MS=NEVER_MS, RECEIPT_BATCH=3)


@pytest.fixture
def key(session: Session) -> str:
    """A key with the screen scope."""
    return new_key(session)


def _listing(session: Session) -> tuple[Listing, str]:
    listing = published(session, "legal_person")[0]
    return listing, listing.subject.identifiers[0].value


def _lookup(client: FlaskClient, key: str, uscc: str) -> dict[str, Any]:
    response = client.get(
        "/api/v1/lookup", query_string={"scheme": "cn_uscc", "value": uscc}, headers=bearer(key)
    )
    assert response.status_code == 200, response.get_json()
    body: dict[str, Any] = response.get_json()
    return body


def _stored(session: Session) -> tuple[int, int]:
    session.rollback()  # read what is committed now
    receipts = session.scalar(select(func.count()).select_from(Receipt))
    calls = session.scalar(select(func.count()).select_from(ScreeningCall))
    return int(receipts or 0), int(calls or 0)


def test_a_receipt_waits_in_the_batch_and_its_reader_writes_it(
    client: FlaskClient, session: Session, key: str
) -> None:
    uscc = _listing(session)[1]
    before = _stored(session)
    answer = _lookup(client, key, uscc)
    receipt_id = answer["receipt"]["signed"]["receipt_id"]
    # Signed and sent, not yet written.
    verify_receipt(answer["receipt"], key_store().public_keys())
    assert receipt_writer().pending() == 1
    assert _stored(session) == before

    # Asking for it writes the batch first: the same receipt, byte for byte.
    again = client.get(f"/api/v1/receipts/{receipt_id}", headers=bearer(key))
    assert again.status_code == 200
    assert again.get_json() == answer["receipt"]
    assert receipt_writer().pending() == 0
    assert _stored(session) == (before[0] + 1, before[1] + 1)


def test_usage_counts_calls_still_waiting_to_be_written(
    client: FlaskClient, session: Session, key: str
) -> None:
    uscc = _listing(session)[1]
    first = _lookup(client, key, uscc)["receipt"]["signed"]["receipt_id"]
    second = _lookup(client, key, uscc)["receipt"]["signed"]["receipt_id"]
    assert receipt_writer().pending() == 2
    usage = client.get("/api/v1/usage", headers=bearer(key)).get_json()
    assert [call["receipt_id"] for call in usage] == [second, first]
    assert all(call["endpoint"] == "lookup" and call["query_count"] == 1 for call in usage)


def test_a_full_batch_is_written_by_the_writer_not_by_the_request_that_fills_it(
    app: Flask, client: FlaskClient, session: Session, key: str
) -> None:
    uscc = _listing(session)[1]
    engine = app.extensions["sqlalchemy"].engine
    writers: list[str] = []
    written = threading.Event()

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.startswith("INSERT INTO receipts"):
            writers.append(threading.current_thread().name)
            written.set()

    before = _stored(session)
    event.listen(engine, "after_cursor_execute", seen)
    try:
        for _ in range(3):  # the third fills RECEIPT_BATCH
            _lookup(client, key, uscc)
        # Long before the writer's own tick (NEVER_MS): the full batch woke it.
        assert written.wait(NEVER_MS / 1000 / 2)
    finally:
        event.remove(engine, "after_cursor_execute", seen)
    assert writers == ["receipt-writer"]
    receipt_writer().flush()  # this reader waits for the batch's transaction to end
    assert receipt_writer().pending() == 0
    assert _stored(session) == (before[0] + 3, before[1] + 3)


def test_lookups_are_answered_while_a_batch_holds_the_database_write_lock(
    app: Flask, client: FlaskClient, session: Session, key: str
) -> None:
    uscc = _listing(session)[1]
    engine = app.extensions["sqlalchemy"].engine
    holding, let_go, done = threading.Event(), threading.Event(), threading.Event()

    def hold(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        # The batch's first insert has run: its transaction holds SQLite's write lock until
        # the test lets it commit.
        if statement.startswith("INSERT INTO receipts") and not holding.is_set():
            holding.set()
            let_go.wait(30)  # only a failing test waits this long
            done.set()

    before = _stored(session)
    event.listen(engine, "after_cursor_execute", hold)
    try:
        for _ in range(3):  # a full batch: the writer takes it, and stops in its transaction
            _lookup(client, key, uscc)
        assert holding.wait(30)
        locked = sqlite3.connect(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            locked.execute("PRAGMA busy_timeout=0")
            locked.execute("BEGIN IMMEDIATE")
        locked.close()
        # Another full batch and one more, each signed and answered while the lock is held.
        answers = [_lookup(client, key, uscc) for _ in range(4)]
        assert not done.is_set()
    finally:
        let_go.set()
        event.remove(engine, "after_cursor_execute", hold)
    for answer in answers:
        verify_receipt(answer["receipt"], key_store().public_keys())
    # Nothing is lost: the held batch commits, the next one follows.
    assert done.wait(30)
    receipt_writer().flush()
    assert _stored(session) == (before[0] + 7, before[1] + 7)
    ids = {answer["receipt"]["signed"]["receipt_id"] for answer in answers}
    assert ids <= set(session.scalars(select(Receipt.receipt_id)))


def test_waiting_receipts_are_flat_rows_the_garbage_collector_does_not_track(
    app: Flask, session: Session, key: str
) -> None:
    key_id = int(session.scalar(select(ApiKey.id)) or 0)
    writer = ReceiptWriter(app.extensions["sqlalchemy"].engine, 3600, 1000)
    issued = _issued(key_id)
    writer.add(issued)
    gc.collect()  # a tuple of atoms is untracked by the first collection that sees it
    (row,) = writer._waiting
    assert type(row) is tuple and not gc.is_tracked(row)
    # Ready for the driver: the writer's thread converts nothing (timestamps are stored text).
    assert all(type(value) in (str, int) for value in row)
    assert writer.flush() == 1
    session.rollback()
    stored = session.get(Receipt, issued.receipt_row["receipt_id"])
    assert stored is not None and stored.envelope == issued.envelope
    assert stored.issued_at == issued.receipt_row["issued_at"]
    call = session.scalar(
        select(ScreeningCall).where(ScreeningCall.receipt_id == stored.receipt_id)
    )
    assert call is not None
    assert (call.endpoint, call.query_count, call.tree_size) == ("lookup", 1, 1)


def test_the_writer_writes_on_its_own_within_the_interval(
    tmp_path: Path, demo_template: Path
) -> None:
    for application in demo_app(tmp_path, demo_template, RECEIPT_FLUSH_MS=20, RECEIPT_BATCH=100):
        session = application.extensions["sqlalchemy"].session()
        secret = new_key(session)
        uscc = _listing(session)[1]
        before = _stored(session)
        _lookup(application.test_client(), secret, uscc)
        deadline = time.monotonic() + 10  # generous: the machine may be busy
        while _stored(session) == before and time.monotonic() < deadline:
            time.sleep(0.02)
        assert _stored(session) == (before[0] + 1, before[1] + 1)


def test_closing_at_worker_exit_writes_what_waits(
    client: FlaskClient, session: Session, key: str
) -> None:
    uscc = _listing(session)[1]
    before = _stored(session)
    _lookup(client, key, uscc)
    assert receipt_writer().pending() == 1
    # gunicorn calls worker_exit in a worker that is stopping.
    hooks: dict[str, Any] = {}
    exec((ROOT / "gunicorn.conf.py").read_text(encoding="utf-8"), hooks)
    hooks["worker_exit"](None, None)
    assert _stored(session) == (before[0] + 1, before[1] + 1)


def _issued(api_key_id: int) -> Any:
    checkpoint = CheckpointRef("registry.example/test", 1, bytes(32))
    return prepare_receipt(
        key_store().current("receipt"),
        api_key_id=api_key_id,
        endpoint="lookup",
        issued_at=dt.datetime.now(dt.UTC),
        as_of=dt.date(2026, 1, 1),
        checkpoint=checkpoint,
        queries=[{"scheme": "cn_uscc", "value": "91440300MA5F0000X1"}],
        results=[{"answer": "not_listed", "entries": []}],
        privacy=False,
    )


def test_a_process_that_ends_normally_writes_its_waiting_receipts(
    app: Flask, session: Session, key: str
) -> None:
    database = app.config["SQLALCHEMY_DATABASE_URI"]
    key_id = session.scalar(select(ApiKey.id))
    before = _stored(session)
    script = (
        "import sys\n"
        "from sqlalchemy import create_engine\n"
        "from registry.screening.receipt_writer import ReceiptWriter\n"
        "from registry.screening.receipts import IssuedReceipt\n"
        "from runtime import receipt_writing\n"
        "import json, datetime as dt\n"
        "rows = json.loads(sys.argv[2])\n"
        "for row in (rows['receipt_row'], rows['call_row']):\n"
        "    row[next(k for k in row if k in ('issued_at', 'called_at'))] = "
        "dt.datetime.fromisoformat(rows['at'])\n"
        "writer = ReceiptWriter(create_engine(sys.argv[1]), 60, 1000)\n"
        "receipt_writing._writers.add(writer)\n"
        "writer.add(IssuedReceipt(rows['receipt_row']['envelope'], rows['receipt_row'], "
        "rows['call_row']))\n"
        "assert writer.pending() == 1\n"
    )
    issued = _issued(int(key_id or 0))
    at = issued.receipt_row["issued_at"].isoformat()
    receipt_row = {**issued.receipt_row, "issued_at": at}
    call_row = {**issued.call_row, "called_at": at}
    payload = json.dumps({"receipt_row": receipt_row, "call_row": call_row, "at": at})
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run(
        [sys.executable, "-c", script, database, payload], check=True, env=environment, cwd=ROOT
    )
    assert _stored(session) == (before[0] + 1, before[1] + 1)
    stored = session.get(Receipt, issued.receipt_row["receipt_id"])
    assert stored is not None and stored.envelope == issued.envelope


def test_a_failed_write_keeps_the_receipts_for_the_next_one(
    app: Flask, session: Session, tmp_path: Path, key: str
) -> None:
    key_id = int(session.scalar(select(ApiKey.id)) or 0)
    empty = create_engine(f"sqlite:///{tmp_path / 'no-tables.sqlite3'}")
    writer = ReceiptWriter(empty, 60, 1000)
    writer.add(_issued(key_id))
    with pytest.raises(Exception, match="no such table"):
        writer.flush()
    assert writer.pending() == 1
    writer.engine = app.extensions["sqlalchemy"].engine
    assert writer.flush() == 1
    assert writer.pending() == 0
    empty.dispose()


def test_a_revocation_here_takes_effect_at_once(
    client: FlaskClient, session: Session, key: str
) -> None:
    uscc = _listing(session)[1]
    _lookup(client, key, uscc)
    key_id = session.scalar(select(ApiKey.id).order_by(ApiKey.id.desc()))
    assert key_id is not None
    revoke_key(session, SYSTEM, key_id, "leaked")
    response = client.get(
        "/api/v1/lookup", query_string={"scheme": "cn_uscc", "value": uscc}, headers=bearer(key)
    )
    assert response.status_code == 401


def test_a_revocation_elsewhere_takes_effect_within_the_cache_time(
    tmp_path: Path, demo_template: Path
) -> None:
    for application in demo_app(tmp_path, demo_template, API_KEY_CACHE_MS=3000):
        client = application.test_client()
        session = application.extensions["sqlalchemy"].session()
        secret = new_key(session)
        uscc = _listing(session)[1]
        _lookup(client, secret, uscc)
        # Another process revokes it: this worker trusts its recent check for a while ...
        session.execute(update(ApiKey).values(revoked_at=dt.datetime.now(dt.UTC)))
        session.commit()
        _lookup(client, secret, uscc)
        # ... and reads the key again once the cache time has passed.
        deadline = time.monotonic() + 30
        status = 200
        while status == 200 and time.monotonic() < deadline:
            time.sleep(0.2)
            status = client.get(
                "/api/v1/lookup",
                query_string={"scheme": "cn_uscc", "value": uscc},
                headers=bearer(secret),
            ).status_code
        assert status == 401


def test_a_proposed_removal_shows_in_the_next_lookup(
    client: FlaskClient, session: Session, key: str
) -> None:
    listing, uscc = _listing(session)
    first = _lookup(client, key, uscc)
    assert first["answer"] == "listed" and first["entries"][0]["removal_pending"] is None
    reviewer, _second = demo_reviewers(session)
    published_listings.remove(
        session, reviewer, key_store(), listing.id, "error", listing.proposed_on, "in error"
    )
    pending = _lookup(client, key, uscc)["entries"][0]["removal_pending"]
    assert pending is not None and pending["reason"] == "error"


def test_a_confirmed_removal_is_answered_under_a_new_checkpoint(
    client: FlaskClient, session: Session, key: str
) -> None:
    listing, uscc = _listing(session)
    before = _lookup(client, key, uscc)
    for reviewer in demo_reviewers(session):
        published_listings.remove(
            session, reviewer, key_store(), listing.id, "error", listing.proposed_on, "in error"
        )
    after = _lookup(client, key, uscc)
    assert after["answer"] == "previously_listed" and after["proofs"] == {}
    assert after["checkpoint"]["tree_size"] > before["checkpoint"]["tree_size"]
    assert after["receipt"]["signed"]["checkpoint"] == after["checkpoint"]


def test_proofs_reused_between_lookups_are_those_built_afresh(
    client: FlaskClient, session: Session, key: str
) -> None:
    listing, uscc = _listing(session)
    first = _lookup(client, key, uscc)
    second = _lookup(client, key, uscc)
    assert first["proofs"] == second["proofs"] != {}
    entry = first["entries"][0]["entry_id"]
    seq = session.scalar(select(func.max(LogEvent.seq)).where(LogEvent.entry_id == entry))
    assert seq is not None
    fresh = bundles_at(session, {entry: seq}, first["checkpoint"]["tree_size"])
    assert second["proofs"] == fresh
    assert listing.entry_id == entry


def test_the_lookup_answer_has_exactly_the_documented_shape(
    client: FlaskClient, session: Session, key: str
) -> None:
    listing, uscc = _listing(session)
    reviewer, _second = demo_reviewers(session)
    answers = [_lookup(client, key, uscc), _lookup(client, key, "91440300MA5F0000X1")]
    published_listings.remove(
        session, reviewer, key_store(), listing.id, "error", listing.proposed_on, "in error"
    )
    answers.append(_lookup(client, key, uscc))
    response_schema = schemas.LookupResponseSchema()
    for answer in answers:
        assert response_schema.dump(answer) == answer


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("RECEIPT_FLUSH_MS", "-1"),
        ("RECEIPT_FLUSH_MS", "10001"),
        ("RECEIPT_BATCH", "0"),
        ("API_KEY_CACHE_MS", "60001"),
        ("SERVING_VERSION_MAX_AGE_MS", "-1"),
        ("SERVING_VERSION_MAX_AGE_MS", "60001"),
    ],
)
def test_batching_and_key_cache_settings_are_checked(tmp_path: Path, name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=f"REGISTRY_{name}"):
        load_config(str(tmp_path), {f"REGISTRY_{name}": value})


def test_close_all_stops_every_writer_of_the_process(app: Flask) -> None:
    writer = receipt_writer()
    close_all()
    assert writer.pending() == 0


def test_the_driver_read_of_the_serving_version_agrees_with_the_orm_read(
    app: Flask, session: Session
) -> None:
    def both() -> tuple[ServingVersion, ServingVersion]:
        session.rollback()
        fast = read_versioned(serving_version_raw, lambda: serving_version(session))
        return fast, serving_version(session)

    fast, slow = both()
    assert fast == slow and fast.log_size > 0 and fast.persons[0] > 0
    first = session.scalar(select(func.min(EntryRevision.id)))
    session.execute(
        update(EntryRevision)
        .where(EntryRevision.id == first)
        .values(purged_at=dt.datetime(2026, 3, 1, 8, 30, tzinfo=dt.UTC))
    )
    session.commit()
    fast, slow = both()
    assert fast == slow
    assert fast.purges == (1, dt.datetime(2026, 3, 1, 8, 30, tzinfo=dt.UTC))


def test_a_receipt_that_could_not_be_written_in_its_request_is_dropped(
    app: Flask, session: Session, tmp_path: Path, key: str
) -> None:
    key_id = int(session.scalar(select(ApiKey.id)) or 0)
    empty = create_engine(f"sqlite:///{tmp_path / 'no-tables.sqlite3'}")
    writer = ReceiptWriter(empty, 0, 1000)  # 0: written in the request
    with pytest.raises(Exception, match="no such table"):
        writer.add(_issued(key_id))
    # The request failed, its answer was never sent: nothing is left to write later.
    assert writer.pending() == 0
    empty.dispose()


def test_a_full_batch_that_cannot_be_written_waits_without_failing_the_answer(
    app: Flask, session: Session, tmp_path: Path, key: str
) -> None:
    key_id = int(session.scalar(select(ApiKey.id)) or 0)
    empty = create_engine(f"sqlite:///{tmp_path / 'no-tables.sqlite3'}")
    writer = ReceiptWriter(empty, 60, 2)
    writer.add(_issued(key_id))
    writer.add(_issued(key_id))  # fills the batch; the write fails and is logged
    assert writer.pending() == 2
    writer.engine = app.extensions["sqlalchemy"].engine
    writer.close()
    assert writer.pending() == 0
    empty.dispose()


def test_a_repeated_lookup_reuses_its_parts_under_a_fresh_receipt(
    app: Flask, client: FlaskClient, session: Session, key: str
) -> None:
    _listing_row, uscc = _listing(session)
    _lookup(client, key, uscc)  # signs the first checkpoint: a new serving version
    first = _lookup(client, key, uscc)
    kept = app.extensions[SERVING_CACHE].answers_kept()
    second = _lookup(client, key, uscc)
    assert app.extensions[SERVING_CACHE].answers_kept() == kept and uscc in kept[-1]
    assert first["receipt"]["signed"]["receipt_id"] != second["receipt"]["signed"]["receipt_id"]
    for answer in (first, second):
        signed = answer["receipt"]["signed"]
        assert verify_receipt(answer["receipt"], key_store().public_keys()) == signed
        assert signed["results"][0]["entries"] == [
            {k: v for k, v in entry.items() if k not in ("name", "url", "removal_pending")}
            for entry in answer["entries"]
        ]
    assert {k: v for k, v in first.items() if k != "receipt"} == {
        k: v for k, v in second.items() if k != "receipt"
    }


def test_a_personal_number_is_never_kept_between_lookups(
    app: Flask, client: FlaskClient, key: str
) -> None:
    number = "H12345678"
    for _ in range(2):
        response = client.post(
            "/api/v1/lookup", json={"scheme": "hkmo_permit", "value": number}, headers=bearer(key)
        )
        assert response.status_code == 200, response.get_json()
    assert app.extensions[SERVING_CACHE].answers_kept() == []


def test_the_answer_cache_builds_once_forgets_failures_and_keeps_the_recent() -> None:
    cache = ServingCache()
    calls: list[str] = []

    def build(name: str) -> dict[str, str]:
        calls.append(name)
        return {"name": name}

    assert cache.answer("a", lambda: build("a")) is cache.answer("a", lambda: build("a"))
    assert calls == ["a"]

    def fail() -> dict[str, str]:
        raise ValueError("no answer")

    with pytest.raises(ValueError, match="no answer"):
        cache.answer("b", fail)
    assert cache.answers_kept() == ["a"]
    for index in range(ANSWER_CAPACITY):
        cache.answer(index, lambda: build("n"))
    assert "a" not in cache.answers_kept() and len(cache.answers_kept()) == ANSWER_CAPACITY


def test_on_sqlite_the_version_is_read_again_only_after_another_connection_commits(
    app: Flask, session: Session, key: str
) -> None:
    reads: list[int] = []

    def read(cursor: Any, dialect: Any) -> int:
        reads.append(1)
        cursor.execute("SELECT COUNT(*) FROM log_events")
        return int(cursor.fetchone()[0])

    def never() -> int:
        raise AssertionError("a file database has its own read engine")

    with app.app_context():
        first = read_versioned(read, never)
        assert read_versioned(read, never) == first and len(reads) == 1
        session.execute(update(ApiKey).values(name="renamed"))
        session.commit()
        assert read_versioned(read, never) == first and len(reads) == 2
        assert read_versioned(read, never) == first and len(reads) == 2


def test_query_strings_are_read_once_but_personal_and_invalid_ones_are_never_kept(
    client: FlaskClient, session: Session, key: str
) -> None:
    _listing_row, uscc = _listing(session)
    screening_views._READ_QUERIES.clear()
    _lookup(client, key, uscc)
    assert list(screening_views._READ_QUERIES) == [f"scheme=cn_uscc&value={uscc}".encode()]
    assert _lookup(client, key, uscc)["answer"] == "listed"
    for query in ("scheme=hkmo_permit&value=H12345678", "scheme=cn_uscc&value="):
        for _ in range(2):
            response = client.get(f"/api/v1/lookup?{query}", headers=bearer(key))
            assert response.status_code == 422, response.get_json()
    assert len(screening_views._READ_QUERIES) == 1

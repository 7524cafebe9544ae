"""The benchmarks' bulk registry generator: the same rows as inserting through the ORM, a feed
that verifies, and a kept copy reused only while it matches the code."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from bench import registry_data
from bench.registry_data import DATABASE, KEYS, MANIFEST, app_for, generate, keep, prepare

TABLES = (
    "subjects",
    "listings",
    "entry_revisions",
    "log_events",
    "subject_identifiers",
    "log_tiles",
)


def _rows(database: Path) -> dict[str, list[tuple[Any, ...]]]:
    connection = sqlite3.connect(database)
    try:
        return {
            name: connection.execute(f"SELECT * FROM {name} ORDER BY 1").fetchall()
            for name in TABLES
        }
    finally:
        connection.close()


def _generate_through_orm(workdir: Path, entries: int) -> None:
    """The plain way: one entry at a time, each table's rows inserted through the ORM."""
    from sqlalchemy import insert

    from registry.models import Base, EntryRevision, Listing, LogEvent, Subject, SubjectIdentifier
    from registry.publication.events import open_log
    from runtime.extensions import db
    from runtime.signing_keys import key_store

    app = app_for(workdir)
    with app.app_context():
        Base.metadata.create_all(db.engine)
        session = db.session()
        key = key_store(app).current("entry")
        log = open_log(session)
        for number in range(1, entries + 1):
            subject, listing, revision, event, identifier = registry_data.published_rows(
                number, key
            )
            log.append(event["leaf"])
            for model, row in (
                (Subject, subject),
                (Listing, listing),
                (EntryRevision, revision),
                (LogEvent, event),
                (SubjectIdentifier, identifier),
            ):
                session.execute(insert(model), [row])
        log.flush()
        session.commit()
        db.session.remove()
        db.engine.dispose()


def test_bulk_generation_stores_what_the_orm_stores(tmp_path: Path) -> None:
    bulk, plain = tmp_path / "bulk", tmp_path / "plain"
    bulk.mkdir()
    generate(bulk, 23, workers=2, batch=5)
    plain.mkdir()
    shutil.copytree(bulk / KEYS, plain / KEYS)  # the same entry key, so the same signatures
    _generate_through_orm(plain, 23)

    bulk_rows, plain_rows = _rows(bulk / DATABASE), _rows(plain / DATABASE)
    assert [len(bulk_rows[name]) for name in TABLES[:5]] == [23] * 5
    assert bulk_rows == plain_rows


def test_generated_registry_publishes_a_feed_that_verifies(tmp_path: Path) -> None:
    from publisher.run import publish_once
    from publisher.settings import PublishSettings
    from registry.listings.policy import Policy
    from registry.verifier import open_source, verify_feed
    from runtime.extensions import db
    from runtime.signing_keys import key_store

    generate(tmp_path, 12, workers=2, batch=5)
    app = app_for(tmp_path)
    with app.app_context():
        settings = PublishSettings.from_config(app.config)
        policy = Policy.from_settings(app.config["REGISTRY"])
        report = publish_once(db.session(), key_store(app), policy, settings)
        db.session.remove()
    assert report.tree_size == 12
    verified = verify_feed(open_source(app.config["FEED_DIR"]))
    assert verified.ok, verified.problems()


def test_kept_registry_is_copied_and_made_again_when_the_code_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = tmp_path / "data"
    _seconds, reused = prepare(tmp_path / "run1", 7, data_dir, workers=1)
    assert not reused
    kept = data_dir / "registry-7"
    manifest = json.loads((kept / MANIFEST).read_text())
    assert manifest["entries"] == 7
    assert (tmp_path / "run1" / DATABASE).read_bytes() == (kept / DATABASE).read_bytes()

    _seconds, reused = prepare(tmp_path / "run2", 7, data_dir, workers=1)
    assert reused
    assert (tmp_path / "run2" / DATABASE).read_bytes() == (kept / DATABASE).read_bytes()
    assert sorted(p.name for p in (tmp_path / "run2" / KEYS).iterdir()) == sorted(
        p.name for p in (kept / KEYS).iterdir()
    )

    monkeypatch.setattr(registry_data, "fingerprint", lambda: "other code")
    directory, generated = keep(data_dir, 7, workers=1)
    assert directory == kept
    assert generated is not None
    assert json.loads((kept / MANIFEST).read_text())["fingerprint"] == "other code"

"""Signing keys missing, unreadable or corrupt: refusals that name the file, nothing half-written.

A process keeps the private keys it has already loaded, so a key file deleted under a running
process is noticed by the next process (the next `registry publish`, the next web worker);
`keys.json` is re-read on every use, so damage to it is noticed at once.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.demo.loader import DEMO_PASSWORD
from registry.models import EntryRevision, Listing, LogEvent
from runtime.extensions import db
from runtime.signing_keys import key_store
from tests.api.conftest import console_login
from tests.conftest import make_app
from tests.faults.conftest import SmallDemo


def entry_key_file(app: Flask) -> Path:
    """The PEM file of the current entry-signing key."""
    return Path(app.config["KEYS_DIR"]) / f"{key_store(app).current('entry').kid}.pem"


def delete(path: Path) -> None:
    path.unlink()


def make_unreadable(path: Path) -> None:
    # chmod 000 does not stop root (the test may run as root); a directory in its place does.
    path.unlink()
    path.mkdir()


def corrupt(path: Path) -> None:
    path.write_bytes(b"-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n")


DAMAGE: list[tuple[Callable[[Path], None], str]] = [
    (delete, "is missing"),
    (make_unreadable, "cannot read signing key file"),
    (corrupt, "is not a PEM key"),
]


def log_state(session: Session) -> tuple[int, int, int]:
    """Log events, entry revisions, and events with no revision behind them."""
    events = session.scalar(select(func.count()).select_from(LogEvent)) or 0
    revisions = session.scalar(select(func.count()).select_from(EntryRevision)) or 0
    orphans = session.scalar(
        select(func.count())
        .select_from(LogEvent)
        .outerjoin(
            EntryRevision,
            (EntryRevision.entry_id == LogEvent.entry_id)
            & (EntryRevision.revision == LogEvent.revision),
        )
        .where(EntryRevision.id.is_(None))
    )
    return events, revisions, orphans or 0


def registry_command(app: Flask, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `registry <args>` in a new process on `app`'s database, keys and feed."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("REGISTRY_")}
    env.update(
        REGISTRY_DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        REGISTRY_KEYS_DIR=app.config["KEYS_DIR"],
        REGISTRY_FEED_DIR=app.config["FEED_DIR"],
        REGISTRY_SCHEDULER="false",
    )
    registry = Path(sys.executable).parent / "registry"
    return subprocess.run(
        [str(registry), *args], env=env, capture_output=True, text=True, timeout=120
    )


def next_process(app: Flask, tmp_path: Path) -> Flask:
    """A second app on the same database, keys and feed: what a restart or a new worker sees."""
    return make_app(tmp_path, app.config["SQLALCHEMY_DATABASE_URI"])


@pytest.mark.parametrize(("damage", "reason"), DAMAGE, ids=["deleted", "unreadable", "corrupt"])
def test_publish_refuses_naming_the_key_file(
    app: Flask, demo: SmallDemo, tmp_path: Path, damage: Callable[[Path], None], reason: str
) -> None:
    key_file = entry_key_file(app)
    before = log_state(demo.session)
    damage(key_file)

    result = registry_command(app, "publish")
    assert result.returncode == 1, result.stdout + result.stderr
    # The failed run is logged (with its traceback) for operators; the command ends with why.
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith("Error: ") and str(key_file) in last_line, result.stderr
    assert reason in last_line, last_line

    fresh = next_process(app, tmp_path)
    with fresh.app_context():
        ready = fresh.test_client().get("/readyz")
        assert ready.status_code == 503
        assert ready.get_json()["checks"]["signing_keys"]["ok"] is False
        assert str(key_file) in ready.get_json()["checks"]["signing_keys"]["detail"]
        after = log_state(db.session)
        approved = db.session.scalar(
            select(func.count()).select_from(Listing).where(Listing.state == "approved")
        )
        db.session.remove()
    assert after == before and after[2] == 0
    assert approved == 2, "the approved listings must wait, unpublished, for a usable key"
    assert not (Path(app.config["FEED_DIR"]) / "index.json").exists()


def test_workflow_signing_through_the_api_is_503_and_writes_nothing(
    app: Flask, demo: SmallDemo, tmp_path: Path
) -> None:
    published = demo.session.scalar(select(Listing.id).where(Listing.state == "published"))
    before = log_state(demo.session)
    corrupt(entry_key_file(app))
    fresh = next_process(app, tmp_path)
    client = fresh.test_client()
    assert console_login(client, "demo-reviewer", DEMO_PASSWORD).status_code == 303
    token = client.get("/api/v1/admin/session").get_json()["csrf_token"]

    response = client.post(
        f"/api/v1/admin/listings/{published}/amend",
        json={"reason": "corrected the remedy text", "remedy": "Pay the damages."},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 503, response.get_json()
    assert response.get_json()["code"] == "signing_unavailable"
    assert "is not a PEM key" in response.get_json()["message"]
    with fresh.app_context():
        assert log_state(db.session) == before
        db.session.remove()


def test_damaged_metadata_is_noticed_by_the_running_app(app: Flask, demo: SmallDemo) -> None:
    metadata = Path(app.config["KEYS_DIR"]) / "keys.json"
    saved = metadata.read_bytes()
    metadata.write_bytes(b'{"keys": "not a list"}')
    ready = app.test_client().get("/readyz")
    assert ready.status_code == 503
    detail = ready.get_json()["checks"]["signing_keys"]["detail"]
    assert str(metadata) in detail and "damaged" in detail
    result = app.test_cli_runner().invoke(args=["publish"])
    assert result.exit_code != 0 and str(metadata) in result.output, result.output

    metadata.write_bytes(saved)
    assert app.test_client().get("/readyz").get_json()["checks"]["signing_keys"]["ok"] is True
    assert app.test_cli_runner().invoke(args=["publish"]).exit_code == 0


def test_a_missing_keys_directory_is_regenerated_only_when_empty(
    app: Flask, demo: SmallDemo, tmp_path: Path
) -> None:
    # Deleting every key means a new identity: the app generates fresh keys rather than
    # refusing, and the publication that follows signs with them (the old keys are gone).
    shutil.rmtree(app.config["KEYS_DIR"])
    fresh = next_process(app, tmp_path)
    assert fresh.test_client().get("/readyz").get_json()["checks"]["signing_keys"]["ok"] is True

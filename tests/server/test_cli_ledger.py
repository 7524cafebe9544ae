"""`registry verify` on the published demo (directory and URL), tampering, keys and purge."""

from __future__ import annotations

import base64
import datetime as dt
import json
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from flask import Flask
from sqlalchemy import select
from werkzeug.serving import make_server

from publisher.jobs import run_publication
from registry.ledger.checkpoint import parse_and_verify
from registry.ledger.hashing import leaf_hash
from registry.ledger.proofs import verify_inclusion
from registry.models import AuditRecord, Listing, User
from registry.publication.checkpoints import sign_new_checkpoint
from runtime.extensions import db
from runtime.signing_keys import key_store
from server.main import main
from tests import builders
from tests.api.ledger_api.ledger_fixtures import copy_of, published_demo, registry_files


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    with published_demo(tmp_path_factory, "cli-ledger") as application:
        yield application


@pytest.fixture
def feed_copy(demo: Flask, tmp_path: Path) -> Path:
    """A private copy of the demo feed for a test to tamper with."""
    return Path(shutil.copytree(demo.config["FEED_DIR"], tmp_path / "feed"))


@pytest.fixture
def no_app(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make creating the app fail, to prove `registry verify` never creates it."""
    monkeypatch.setenv("REGISTRY_ENV", "no-such-environment")


def verify(*args: str) -> Result:
    return CliRunner().invoke(main, ["verify", *args])


def test_verify_passes_on_the_feed_directory_without_an_app(demo: Flask, no_app: None) -> None:
    result = verify(demo.config["FEED_DIR"])

    assert result.exit_code == 0, result.output
    assert "feed verified: version 1, log size" in result.stdout
    assert "pin the keys with --key-file or --vkey" in result.stderr


@pytest.fixture(scope="module")
def served(demo: Flask) -> Iterator[str]:
    """The demo app served over HTTP on 127.0.0.1; yields its base URL."""
    server = make_server("127.0.0.1", 0, demo, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


def test_verify_passes_over_http_with_pinned_keys(
    served: str, demo: Flask, tmp_path: Path, no_app: None
) -> None:
    key_file = tmp_path / "keys.json"
    key_file.write_text(json.dumps({"keys": key_store(demo).public_keys()}))
    saved = tmp_path / "checkpoint.txt"

    first = verify(f"{served}/feed/", "--key-file", str(key_file), "--save-checkpoint", str(saved))
    again = verify(f"{served}/feed", "--key-file", str(key_file), "--since", str(saved))

    assert first.exit_code == 0, first.output
    assert first.stderr.count("warning") == 0
    assert saved.read_text().startswith("registry.example/patent-infringers/v1\n")
    assert again.exit_code == 0, again.output
    assert "1 consistency proofs" in again.stdout


def test_verify_with_a_pinned_checkpoint_vkey(demo: Flask, no_app: None) -> None:
    vkey = key_store(demo).current("checkpoint").verification_key().note_vkey
    assert vkey is not None

    result = verify(demo.config["FEED_DIR"], "--vkey", vkey)
    wrong = verify(demo.config["FEED_DIR"], "--vkey", "not-a-key")

    assert result.exit_code == 0, result.output
    assert "only the checkpoint key is pinned" in result.stderr
    assert wrong.exit_code == 2
    assert "--vkey" in wrong.output


def test_an_unreachable_url_is_a_clear_error(no_app: None) -> None:
    result = verify("http://127.0.0.1:9/feed/")

    assert result.exit_code == 1
    assert "GET http://127.0.0.1:9/feed/index.json failed" in result.output


def _flip(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def _checkpoint_size(feed: Path) -> int:
    return int((feed / "log/checkpoint").read_text().split("\n")[1])


def test_a_changed_byte_in_an_entry_tile_is_reported(feed_copy: Path) -> None:
    size = _checkpoint_size(feed_copy)
    bundle = feed_copy / f"log/tile/entries/000.p/{size}"
    data = bundle.read_bytes()
    _flip(bundle, data.index(b'"recorded_at":"') + len(b'"recorded_at":"20'))

    result = verify(str(feed_copy))

    assert result.exit_code == 1
    assert f"FAILED log/tile/0/000.p/{size}: hash 0 (leaf 0) differs" in result.stdout
    assert "FAILED log/checkpoint: the signed root" in result.stdout


def test_a_changed_hash_tile_is_reported(feed_copy: Path) -> None:
    size = _checkpoint_size(feed_copy)
    _flip(feed_copy / f"log/tile/0/000.p/{size}", 32 * 3)

    result = verify(str(feed_copy))

    assert result.exit_code == 1
    assert f"FAILED log/tile/0/000.p/{size}: hash 3 (leaf 3) differs" in result.stdout


def test_a_changed_entry_signature_in_the_snapshot_is_reported(feed_copy: Path) -> None:
    snapshot = feed_copy / "snapshot/1.jsonl"
    lines = snapshot.read_bytes().splitlines(keepends=True)
    bundle = json.loads(lines[0])
    signature = bundle["signature"]["sig"]
    bundle["signature"]["sig"] = ("B" if signature[0] == "A" else "A") + signature[1:]
    lines[0] = json.dumps(bundle, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
    snapshot.write_bytes(b"".join(lines))

    result = verify(str(feed_copy))

    assert result.exit_code == 1
    assert "FAILED snapshot/1.jsonl: has sha256" in result.stdout
    assert "FAILED snapshot/1.jsonl: line 1 (IPL-" in result.stdout
    assert "entry signature rejected" in result.stdout


def test_a_changed_checkpoint_is_reported(feed_copy: Path) -> None:
    path = feed_copy / "log/checkpoint"
    origin, size, *rest = path.read_text().split("\n")
    path.write_text("\n".join([origin, str(int(size) - 1), *rest]))

    result = verify(str(feed_copy))

    assert result.exit_code == 1
    assert "FAILED log/checkpoint: is not validly signed: the signature by" in result.stdout


def test_keys_rotate_retires_the_key_and_is_audited(app: Flask, session: object) -> None:
    runner = app.test_cli_runner()
    before = key_store(app).current("entry").kid

    result = runner.invoke(args=["keys", "rotate", "--use", "entry"])

    assert result.exit_code == 0, result.output
    new_kid = result.output.strip().splitlines()[-1]
    assert new_kid == key_store(app).current("entry").kid != before
    listing = runner.invoke(args=["keys", "list"]).output
    assert f"entry      {before}" in listing and "retired" in listing
    assert f"entry      {new_kid}" in listing
    record = db.session.scalars(select(AuditRecord).where(AuditRecord.action == "key.rotate")).one()
    assert (record.object_id, record.before, record.after) == (
        new_kid,
        {"kid": before, "use": "entry"},
        {"kid": new_kid, "use": "entry"},
    )
    published = app.test_client().get("/api/v1/keys").get_json()["keys"]
    assert {before, new_kid} <= {key["kid"] for key in published}


def test_keys_vkey_prints_the_key_that_opens_the_log_checkpoints(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["keys", "vkey"])

    assert result.exit_code == 0, result.output
    vkey = result.output.strip()
    note = sign_new_checkpoint(db.session(), key_store(app), app.config["REGISTRY"]["LOG_ORIGIN"])
    assert parse_and_verify(note.note, vkey).size == note.tree_size


def test_keys_rotate_needs_a_known_use(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["keys", "rotate", "--use", "everything"])

    assert result.exit_code == 2
    assert "'everything' is not one of" in result.output


def _remove(listing: Listing) -> None:
    reviewers = db.session.scalars(select(User).where(User.role == "reviewer")).all()
    first, second = (builders.actor(reviewer) for reviewer in reviewers[:2])
    builders.remove(db.session, listing.id, on=dt.date.today(), reviewers=(first, second))


def test_purge_drops_content_from_the_next_feed_but_every_proof_holds(
    demo: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with copy_of(registry_files(demo), tmp_path / "copy") as app:
        listing = db.session.scalars(select(Listing).where(Listing.state == "published")).first()
        assert listing is not None and listing.entry_id is not None
        entry_id = listing.entry_id
        _remove(listing)
        later = (dt.date.today() + dt.timedelta(days=400)).isoformat()

        result = app.test_cli_runner().invoke(args=["purge", "--today", later])

        assert result.exit_code == 0, result.output
        assert f"purged {entry_id} (revisions 1;" in result.output
        run_publication(app)
        feed = Path(app.config["FEED_DIR"])
        delta = [json.loads(line) for line in (feed / "delta/1-2.jsonl").read_bytes().splitlines()]
        removal = [event for event in delta if event.get("entry_id") == entry_id]
        assert [(event["event"], event["bundle"]) for event in removal] == [("removed", None)]
        assert entry_id.encode() not in (feed / "snapshot/2.jsonl").read_bytes()
        audit = db.session.scalars(
            select(AuditRecord).where(
                AuditRecord.action == "entry.purge", AuditRecord.object_id == entry_id
            )
        ).one()
        assert audit.reason == "retention period over"

        checkpoint = app.test_client().get("/api/v1/log/checkpoint").get_json()
        proof = (
            app.test_client()
            .get(f"/api/v1/log/proof/inclusion?entry_id={entry_id}&revision=1")
            .get_json()
        )
        verify_inclusion(
            proof["index"],
            checkpoint["tree_size"],
            leaf_hash(base64_bytes(proof["leaf"])),
            [base64_bytes(item) for item in proof["proof"]],
            base64_bytes(checkpoint["root"]),
        )
        monkeypatch.setenv("REGISTRY_ENV", "no-such-environment")  # no app for verify
        result = verify(str(feed))
        assert result.exit_code == 0, result.output
        assert "feed verified: version 2" in result.stdout


def base64_bytes(text: str) -> bytes:
    return base64.b64decode(text, validate=True)

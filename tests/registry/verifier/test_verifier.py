"""The offline verifier on feeds built here by hand: the pure tier, no database, no app."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from registry.canonical import canonical_bytes
from registry.ledger.checkpoint import sign_checkpoint
from registry.ledger.tiled_log import TiledLog
from registry.ledger.tiles import MemoryTileStore
from registry.signing.keys import generate_key
from registry.signing.signatures import sign_entry
from registry.verifier import (
    DirectorySource,
    SourceUnavailable,
    open_source,
    verify_feed,
)
from tests.publisher.writer_samples import make_entry
from tests.registry.verifier.verifier_feeds import (
    NOW,
    ORIGIN,
    Feed,
    build_feed,
    failures,
    flip_byte,
    rewrite_line,
)


@pytest.fixture
def feed(tmp_path: Path) -> Feed:
    return build_feed(tmp_path / "feed")


def test_an_untouched_feed_verifies_with_pinned_keys(feed: Feed) -> None:
    report = feed.verify()

    assert report.ok, failures(report)
    assert report.warnings == []
    assert report.checkpoint is not None and report.checkpoint.size == 4
    assert report.checked == {
        "files": 2,
        "log entries": 4,
        "signed entries": 2 + 4,  # the snapshot, and the bundles in the delta
        "delta events": 4,
    }
    assert "feed verified: version 1, log size 4" in report.summary()


def test_keys_from_the_feed_itself_verify_but_warn(feed: Feed) -> None:
    report = feed.verify(pinned_keys=None)

    assert report.ok, failures(report)
    assert "pin the keys with --key-file or --vkey" in report.warnings[0]


def test_a_pinned_checkpoint_vkey_is_used_for_the_checkpoint(feed: Feed) -> None:
    vkey = feed.keys["checkpoint"].verification_key().note_vkey
    assert feed.verify(pinned_keys=None, vkey=vkey).ok

    stranger = generate_key("checkpoint", NOW, ORIGIN).verification_key().note_vkey
    report = feed.verify(vkey=stranger)

    assert not report.ok
    assert "index.json: its checkpoint is not validly signed: no signature by the trusted key" in (
        failures(report)
    )
    assert "log/checkpoint: is not validly signed" in failures(report)


def test_an_index_signed_by_another_key_is_rejected(feed: Feed) -> None:
    impostor = {**{k.kid: k for k in feed.pinned()}}
    pinned = [k for k in impostor.values() if k.use != "index"]
    pinned.append(generate_key("index", NOW).verification_key())

    report = feed.verify(pinned_keys=pinned)

    assert "index.json: signature rejected: no signature by a known 'index' key" in failures(report)


def test_a_tampered_entry_bundle_byte_names_the_tile_and_leaf(feed: Feed) -> None:
    bundle = feed.root / "log/tile/entries/000.p/4"
    data = bundle.read_bytes()
    # Change a digit of leaf 0's recorded_at: still valid JSON, but another leaf hash.
    offset = data.index(b'"recorded_at":"2026') + len(b'"recorded_at":"202')
    flip_byte(bundle, offset)

    report = feed.verify()

    text = failures(report)
    assert "log/tile/0/000.p/4: hash 0 (leaf 0) differs from the hash of that log entry" in text
    assert "log/checkpoint: the signed root" in text
    assert "is not the Merkle root of the 4 published log entries" in text


def test_a_tampered_hash_tile_is_named(feed: Feed) -> None:
    flip_byte(feed.root / "log/tile/0/000.p/4", 40)

    report = feed.verify()

    assert failures(report) == (
        "log/tile/0/000.p/4: hash 1 (leaf 1) differs from the hash of that log entry"
    )


def test_a_missing_entry_tile_is_named(feed: Feed) -> None:
    (feed.root / "log/tile/entries/000.p/4").unlink()

    report = feed.verify()

    assert "log/tile/entries/000.p/4: is missing; the checkpoint covers 4 entries" in failures(
        report
    )


def test_a_tampered_entry_signature_in_the_snapshot_is_named(feed: Feed) -> None:
    def forge(bundle: dict[str, Any]) -> dict[str, Any]:
        signature = bytearray(json.dumps(bundle["signature"]["sig"]).encode())
        signature[5] = ord("A") if signature[5] != ord("A") else ord("B")
        bundle["signature"]["sig"] = json.loads(bytes(signature))
        return bundle

    rewrite_line(feed.root / "snapshot/1.jsonl", 2, forge)

    text = failures(feed.verify())

    assert "snapshot/1.jsonl: has sha256" in text  # the index no longer matches the file
    assert (
        "snapshot/1.jsonl: line 2 (IPL-2026-000002 revision 1): entry signature rejected: "
        "the entry does not match its signature" in text
    )


def test_a_validly_signed_entry_the_log_never_recorded_is_caught(feed: Feed) -> None:
    # A registry key holder could sign content it never logged; the log check exposes it.
    def swap(bundle: dict[str, Any]) -> dict[str, Any]:
        entry = {**bundle["entry"], "remedy": "changed quietly"}
        return sign_entry(entry, feed.keys["entry"])

    rewrite_line(feed.root / "snapshot/1.jsonl", 1, swap)

    text = failures(feed.verify())

    assert "snapshot/1.jsonl: line 1 (IPL-2026-000001 revision 1): content hash" in text
    assert "differs from the log's content_sha256" in text


def test_a_snapshot_entry_the_log_says_was_removed_is_caught(tmp_path: Path) -> None:
    feed = build_feed(tmp_path / "feed", listed=2, removed=1)
    removed = sign_entry(make_entry(2), feed.keys["entry"])
    # Re-sign the same entry (same content hash) and slip it back into the snapshot.
    path = feed.root / "snapshot/1.jsonl"
    path.write_bytes(path.read_bytes() + canonical_bytes(removed) + b"\n")

    text = failures(feed.verify())

    assert "line 2 (IPL-2026-000002 revision 1): the log records this entry as removed" in text


def test_a_delta_line_that_differs_from_its_leaf_is_caught(feed: Feed) -> None:
    rewrite_line(feed.root / "delta/0-1.jsonl", 4, lambda line: {**line, "reason": "expired"})

    text = failures(feed.verify())

    assert "delta/0-1.jsonl: line 4 (leaf 3): the event differs from log entry 3" in text


def test_purged_content_leaves_the_log_and_proofs_valid(tmp_path: Path) -> None:
    feed = build_feed(tmp_path / "feed", listed=3, removed=2, purged=True)
    lines = (feed.root / "delta/0-1.jsonl").read_bytes().splitlines()

    assert [json.loads(line)["bundle"] is None for line in lines] == [
        False,
        False,
        False,
        True,
        True,
    ]
    report = feed.verify()
    assert report.ok, failures(report)


def test_a_tampered_checkpoint_file_is_named(feed: Feed) -> None:
    path = feed.root / "log/checkpoint"
    lines = path.read_text().split("\n")
    lines[1] = "5"
    path.write_text("\n".join(lines))

    text = failures(feed.verify())

    assert text.startswith("log/checkpoint: is not validly signed: the signature by")


def test_an_expired_index_says_the_feed_is_frozen(feed: Feed) -> None:
    report = verify_feed(
        DirectorySource(feed.root), pinned_keys=feed.pinned(), now=NOW + dt.timedelta(hours=3)
    )

    assert failures(report) == (
        "index.json: expired at 2026-03-02T10:00:00Z: the feed has stopped being updated"
    )


def test_a_saved_earlier_checkpoint_is_proved_consistent(feed: Feed) -> None:
    for size in (1, 2, 3, 4):
        report = feed.verify(since_note=feed.checkpoint(size), since_name="old.txt")
        assert report.ok, failures(report)
        assert report.checked.get("consistency proofs") == 1


def test_a_checkpoint_from_a_forked_log_is_caught(feed: Feed) -> None:
    fork = TiledLog(MemoryTileStore())
    fork.extend([b"another", b"history"])
    # Signed with the log's own key: only the consistency proof can tell it is a fork.
    forged = sign_checkpoint(ORIGIN, 2, fork.root(), feed.keys["checkpoint"], ORIGIN)

    text = failures(feed.verify(since_note=forged, since_name="old.txt"))

    assert text.startswith("old.txt: is not a prefix of the current log")
    assert text.endswith("the log forked")


def test_a_saved_checkpoint_larger_than_the_log_means_rollback(feed: Feed) -> None:
    bigger = sign_checkpoint(ORIGIN, 9, bytes(32), feed.keys["checkpoint"], ORIGIN)

    text = failures(feed.verify(since_note=bigger, since_name="old.txt"))

    assert text == (
        "old.txt: has 9 entries but the feed's log only 4: the log was rolled back or replaced"
    )


def test_a_saved_checkpoint_must_be_signed_by_a_trusted_key(feed: Feed) -> None:
    stranger = generate_key("checkpoint", NOW, ORIGIN)
    note = sign_checkpoint(ORIGIN, 1, bytes(32), stranger, ORIGIN)

    text = failures(feed.verify(since_note=note, since_name="old.txt"))

    assert text.startswith("old.txt: is not a checkpoint signed by a trusted key")


def test_a_log_spanning_full_tiles_verifies_and_names_a_bad_full_tile(tmp_path: Path) -> None:
    feed = build_feed(tmp_path / "feed", listed=130, removed=130, delta_from=255)
    assert feed.verify().ok, failures(feed.verify())

    flip_byte(feed.root / "log/tile/0/000", 32 * 200)
    text = failures(feed.verify())

    assert "log/tile/0/000: hash 200 (leaf 200) differs from the hash of that log entry" in text


def test_sources_refuse_paths_outside_the_feed_and_unknown_schemes(feed: Feed) -> None:
    source = open_source(str(feed.root))

    assert source.read("no/such/file") is None
    with pytest.raises(SourceUnavailable, match="not a path inside the feed"):
        source.read("../secret")
    with pytest.raises(SourceUnavailable, match="only local directories and http"):
        open_source("ftp://example.org/feed/")
    with pytest.raises(SourceUnavailable, match="is not a directory"):
        open_source(str(feed.root / "missing"))


def test_a_directory_without_an_index_is_not_a_feed(tmp_path: Path) -> None:
    report = verify_feed(DirectorySource(tmp_path), pinned_keys=[])

    assert failures(report).startswith("index.json: is missing")

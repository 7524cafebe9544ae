"""`registry verify` with worker processes finds what one process finds, in any chunk.

The feed has one entry per chunk (12 chunks), so the log replay and the chunk checks run in
worker processes; each tampering is checked with two workers and with one, and both reports
must name the same file and line.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from publisher import chunks
from publisher.writers import write_index
from registry.canonical import canonical_bytes
from registry.ledger.tiles import decode_bundle, encode_bundle
from registry.signing.signatures import sign_envelope
from registry.verifier import DirectorySource, verify_feed, work
from runtime.signing_keys import key_store
from tests.publisher.test_incremental_files import START, Registry

ENTRIES = 12


@pytest.fixture
def registry(
    app: Flask, session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Registry:
    """A published registry of 12 entries, one per chunk, chunks only."""
    monkeypatch.setattr(chunks, "KEY_LENGTH", 15)
    app.config["REGISTRY"]["FEED_WHOLE_FILES"] = False
    registry = Registry(app, session, tmp_path)
    for _ in range(ENTRIES):
        registry.approve()
    registry.publish()
    return registry


def _signed(registry: Registry) -> dict[str, Any]:
    signed: dict[str, Any] = json.loads((registry.feed / "index.json").read_bytes())["signed"]
    return signed


def _chunk(registry: Registry, number: int) -> Path:
    name = f"snapshot/IPL-2026-{number:06d}"
    record = next(r for r in _signed(registry)["resources"] if r["name"] == name)
    return registry.feed / record["path"]


def _both(registry: Registry) -> list[str]:
    """The problems found with two worker processes, checked equal to one process's."""
    source = DirectorySource(str(registry.feed))
    parallel = verify_feed(source, now=START, workers=2).problems()
    assert parallel == verify_feed(source, now=START, workers=1).problems()
    return parallel


def _rewrite_listed(registry: Registry, path: Path, data: bytes) -> None:
    """Replace a chunk's bytes and list the new size and hash in a re-signed index.

    What a compromised publisher could do: only the entry's own signature and the log are
    left to catch it.
    """
    import hashlib

    path.write_bytes(data)
    signed = _signed(registry)
    relative = str(path.relative_to(registry.feed))
    for record in signed["resources"]:
        if record["path"] == relative:
            record["size"], record["sha256"] = len(data), hashlib.sha256(data).hexdigest()
    key = key_store(registry.app).current("index")
    write_index(registry.feed, sign_envelope("ipl.feed-index/v1", signed, key))


def test_an_untouched_feed_verifies_with_workers(registry: Registry) -> None:
    source = DirectorySource(str(registry.feed))
    report = verify_feed(source, now=START, workers=2)
    assert report.ok, report.problems()
    assert report.checked["signed entries"] == 2 * ENTRIES  # the chunks and the first delta
    assert report.checked["log entries"] == report.checkpoint.size if report.checkpoint else 0


@pytest.mark.parametrize("number", [1, 6, ENTRIES])
def test_an_altered_entry_is_named_in_any_chunk(registry: Registry, number: int) -> None:
    path = _chunk(registry, number)
    bundle = json.loads(path.read_bytes())
    bundle["entry"]["remedy"] = "Nothing to do."
    _rewrite_listed(registry, path, canonical_bytes(bundle) + b"\n")
    problems = _both(registry)
    assert problems == [
        f"{path.relative_to(registry.feed)}: line 1 (IPL-2026-{number:06d} revision 1): entry "
        "signature rejected: the entry does not match its signature by key "
        f"{bundle['signature']['kid']}"
    ]


def test_a_bad_signature_is_named(registry: Registry) -> None:
    path = _chunk(registry, 7)
    bundle = json.loads(path.read_bytes())
    sig = bundle["signature"]["sig"]
    bundle["signature"]["sig"] = ("B" if sig[0] == "A" else "A") + sig[1:]
    _rewrite_listed(registry, path, canonical_bytes(bundle) + b"\n")
    problems = _both(registry)
    assert len(problems) == 1
    assert problems[0].startswith(f"{path.relative_to(registry.feed)}: line 1 (IPL-2026-000007")
    assert "entry signature rejected" in problems[0]


def test_a_tampered_chunk_is_named_by_its_hash(registry: Registry) -> None:
    path = _chunk(registry, 9)
    path.write_bytes(path.read_bytes().replace(b"IPL-2026-000009", b"IPL-2026-000090"))
    problems = _both(registry)
    relative = path.relative_to(registry.feed)
    assert any(p.startswith(f"{relative}: has sha256") for p in problems), problems
    assert any(p.startswith(f"{relative}: line 1") and "signature" in p for p in problems)


def test_a_missing_chunk_is_named(registry: Registry) -> None:
    path = _chunk(registry, 4)
    path.unlink()
    problems = _both(registry)
    assert problems == [f"{path.relative_to(registry.feed)}: is listed in index.json but missing"]


def test_a_signed_line_not_in_canonical_form_still_verifies(registry: Registry) -> None:
    # The fast path needs the exact canonical bytes; spaced JSON takes the strict path, whose
    # signature check is over the canonical form of the parsed entry.
    path = _chunk(registry, 3)
    spaced = json.dumps(json.loads(path.read_bytes()), indent=1, ensure_ascii=True)
    _rewrite_listed(registry, path, spaced.replace("\n", " ").encode() + b"\n")
    assert _both(registry) == []


def test_a_duplicate_key_is_refused_though_the_signed_bytes_are_intact(
    registry: Registry,
) -> None:
    path = _chunk(registry, 5)
    line = path.read_bytes()
    doubled = line.replace(b'{"entry":{', b'{"entry":{"status":"removed",', 1)
    _rewrite_listed(registry, path, doubled)
    problems = _both(registry)
    assert problems == [
        f'{path.relative_to(registry.feed)}: line 1 is not valid JSON: duplicate key "status"',
        f"{path.relative_to(registry.feed)}: has 0 lines, index.json says 1",
    ]


def test_a_tampered_log_leaf_is_named(registry: Registry) -> None:
    report = verify_feed(DirectorySource(str(registry.feed)), now=START)
    size = report.checkpoint.size if report.checkpoint else 0
    tile = registry.feed / "log" / "tile" / "entries" / "000.p" / str(size)
    leaves = decode_bundle(tile.read_bytes())
    leaves[10] = leaves[10].replace(b'"listed"', b'"amended"')
    tile.write_bytes(encode_bundle(leaves))
    problems = _both(registry)
    assert problems[0].startswith(
        f"log/tile/entries/000.p/{size}: entry 10 (leaf 10) is not a valid log event: reason: "
    ), problems
    assert any(f"log/tile/0/000.p/{size}: hash 10 (leaf 10) differs" in p for p in problems)


def test_what_the_publisher_writes_takes_the_fast_path(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every snapshot and delta line the publisher writes is canonical, so none needs the
    # strict path's second serialisation; only audit anchors among the leaves take it.
    strict_lines, strict_leaves = [], []
    monkeypatch.setattr(work, "line_check", lambda *args: strict_lines.append(args))
    checked_leaf = work.check_leaf

    def leaf(seq: int, data: bytes) -> dict[str, Any]:
        strict_leaves.append(seq)
        return checked_leaf(seq, data)

    monkeypatch.setattr(work, "check_leaf", leaf)
    report = verify_feed(DirectorySource(str(registry.feed)), now=START, workers=1)
    assert report.ok, report.problems()
    assert strict_lines == []
    assert len(strict_leaves) == report.checked["log entries"] - ENTRIES


def test_a_chunk_cut_short_is_named(registry: Registry) -> None:
    path = _chunk(registry, 2)
    _rewrite_listed(registry, path, path.read_bytes().removesuffix(b"\n"))
    relative = path.relative_to(registry.feed)
    assert _both(registry) == [
        f"{relative}: does not end with a newline (the file may be truncated)"
    ]


def test_whole_files_and_their_delta_are_checked_in_workers_alike(
    app: Flask, session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(chunks, "KEY_LENGTH", 15)
    app.config["REGISTRY"]["FEED_WHOLE_FILES"] = True
    registry = Registry(app, session, tmp_path)
    for _ in range(ENTRIES):
        registry.approve()
    registry.publish()
    signed = _signed(registry)
    snapshot = next(r for r in signed["resources"] if r["name"] == "snapshot")
    delta = registry.feed / signed["delta"]["path"]
    assert _both(registry) == []

    lines = delta.read_bytes().splitlines(keepends=True)
    lines[4] = lines[4].replace(b'"revision":1', b'"revision":2', 1)
    _rewrite_listed(registry, delta, b"".join(lines))
    whole = registry.feed / snapshot["path"]
    _rewrite_listed(registry, whole, whole.read_bytes().replace(b"published", b"publishes", 1))
    problems = _both(registry)
    assert any(p.startswith(f"{snapshot['path']}: line 1 (") for p in problems), problems
    assert any(p.startswith(f"{signed['delta']['path']}: line 5 (leaf ") for p in problems)

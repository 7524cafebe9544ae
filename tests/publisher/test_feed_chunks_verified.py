"""`registry verify` checks every chunk of a chunked feed against the signed index."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from publisher import chunks
from publisher.writers import write_index
from registry.signing.signatures import sign_envelope
from registry.verifier import DirectorySource, verify_feed
from runtime.signing_keys import key_store
from tests.publisher.test_feed_chunks import SMALL_KEY
from tests.publisher.test_incremental_files import START, Registry


@pytest.fixture
def registry(
    app: Flask, session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Registry:
    """A published registry of 25 entries in three chunks, without the whole files."""
    monkeypatch.setattr(chunks, "KEY_LENGTH", SMALL_KEY)
    app.config["REGISTRY"]["FEED_WHOLE_FILES"] = False
    registry = Registry(app, session, tmp_path)
    for _ in range(25):
        registry.approve()
    registry.publish()
    return registry


def _problems(registry: Registry) -> list[str]:
    report = verify_feed(DirectorySource(str(registry.feed)), now=START)
    return report.problems()


def _resign(registry: Registry, change: Callable[[list[dict[str, Any]]], None]) -> None:
    """Change the index's resources and sign it again, as a compromised publisher could."""
    envelope = json.loads((registry.feed / "index.json").read_bytes())
    change(envelope["signed"]["resources"])
    key = key_store(registry.app).current("index")
    write_index(registry.feed, sign_envelope("ipl.feed-index/v1", envelope["signed"], key))


def _record(registry: Registry, name: str) -> dict[str, Any]:
    signed = json.loads((registry.feed / "index.json").read_bytes())["signed"]
    return next(r for r in signed["resources"] if r["name"] == name)


def test_an_untouched_chunked_feed_verifies(registry: Registry) -> None:
    report = verify_feed(DirectorySource(str(registry.feed)), now=START)
    assert report.ok, report.problems()
    # 25 in the snapshot's chunks, 25 in the first delta.
    assert report.checked["signed entries"] == 50


@pytest.mark.parametrize("name", ["snapshot/IPL-2026-00001", "snapshot_csv/IPL-2026-00002"])
def test_a_chunk_altered_in_place_is_named(registry: Registry, name: str) -> None:
    path = registry.feed / _record(registry, name)["path"]
    path.write_bytes(path.read_bytes().replace(b"IPL-2026-0000", b"IPL-2026-0001", 1))
    problems = _problems(registry)
    assert any(path.name in problem and "sha256" in problem for problem in problems), problems


def test_a_missing_chunk_is_named(registry: Registry) -> None:
    path = registry.feed / _record(registry, "ftm/IPL-2026-00000")["path"]
    path.unlink()
    assert any(path.name in p and "missing" in p for p in _problems(registry))


def test_chunks_listed_out_of_order_are_caught(registry: Registry) -> None:
    def swap(resources: list[dict[str, Any]]) -> None:
        first = next(i for i, r in enumerate(resources) if r["name"] == "snapshot/IPL-2026-00000")
        resources[first], resources[first + 1] = resources[first + 1], resources[first]

    _resign(registry, swap)
    problems = _problems(registry)
    assert any("snapshot chunks out of key order" in p for p in problems), problems
    assert any("sorted by entry_id" in p for p in problems), problems


def test_a_dropped_chunk_is_caught(registry: Registry) -> None:
    _resign(
        registry,
        lambda resources: resources.remove(
            next(r for r in resources if r["name"] == "ftm/IPL-2026-00002")
        ),
    )
    assert any("different chunk keys" in p for p in _problems(registry))


def test_an_entry_under_another_key_is_caught(registry: Registry) -> None:
    def rename(resources: list[dict[str, Any]]) -> None:
        for record in resources:
            record["name"] = record["name"].replace("IPL-2026-00002", "IPL-2026-00003")

    _resign(registry, rename)
    assert any("belongs to no chunk 'IPL-2026-00003'" in p for p in _problems(registry))


def test_signatures_checked_in_worker_processes_report_the_same(
    app: Flask, session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(chunks, "KEY_LENGTH", 15)  # one entry per chunk: 12 chunks
    app.config["REGISTRY"]["FEED_WHOLE_FILES"] = False
    registry = Registry(app, session, tmp_path)
    for _ in range(12):
        registry.approve()
    registry.publish()
    source = DirectorySource(str(registry.feed))
    report = verify_feed(source, now=START, workers=2)
    assert report.ok, report.problems()
    assert report.checked["signed entries"] == 24  # 12 in the chunks, 12 in the delta

    path = registry.feed / _record(registry, "snapshot/IPL-2026-000007")["path"]
    line = path.read_bytes()
    start = line.index(b'"sig":"') + len(b'"sig":"')
    flipped = b"B" if line[start : start + 1] == b"A" else b"A"
    path.write_bytes(line[:start] + flipped + line[start + 1 :])
    alone = verify_feed(source, now=START, workers=1).problems()
    assert any("entry signature rejected" in problem for problem in alone), alone
    assert verify_feed(source, now=START, workers=2).problems() == alone

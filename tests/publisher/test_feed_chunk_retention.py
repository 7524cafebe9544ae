"""Chunk files are kept while a kept index lists them, deleted after; a purge deletes its key's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from publisher import chunks
from publisher.chunked_files import KINDS
from publisher.redaction import redact_feed_files
from tests.publisher.test_feed_chunks import SMALL_KEY
from tests.publisher.test_incremental_files import Registry


@pytest.fixture
def registry(
    app: Flask, session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Registry:
    """A registry whose chunks hold ten entries each (Registry keeps five versions)."""
    monkeypatch.setattr(chunks, "KEY_LENGTH", SMALL_KEY)
    return Registry(app, session, tmp_path)


def _on_disk(feed: Path) -> set[str]:
    return {path.relative_to(feed).as_posix() for path in chunks.chunk_files(feed, KINDS)}


def _listed(path: Path) -> set[str]:
    signed = json.loads(path.read_bytes())["signed"]
    return {r["path"] for r in signed["resources"] if "/" in r["name"]}


def test_chunks_stay_while_a_kept_version_lists_them(registry: Registry) -> None:
    ids = [registry.approve() for _ in range(12)]
    registry.publish()
    first_chunks = _listed(registry.feed / "index.json")
    for number in range(7):
        registry.amend(ids[10], f"instalment {number}")  # the second chunk, every run
        registry.publish()

    archived = sorted(int(p.stem) for p in (registry.feed / "index").glob("*.json"))
    assert archived == [4, 5, 6, 7, 8], "the newest five versions' indexes are kept"
    assert (registry.feed / "index" / "8.json").read_bytes() == (
        registry.feed / "index.json"
    ).read_bytes()
    wanted = set().union(*(_listed(registry.feed / "index" / f"{v}.json") for v in archived))
    assert _on_disk(registry.feed) == wanted
    # The first chunk never changed, so version 1's copy is still the current one.
    unchanged = {p for p in first_chunks if "IPL-2026-00000." in p}
    assert unchanged <= wanted
    # Version 1's snapshot chunk of the amended key is listed by no kept version: deleted.
    amended = {p for p in first_chunks if "IPL-2026-00001." in p and p.endswith(".jsonl")}
    assert len(amended) == 1
    assert not amended & _on_disk(registry.feed)


def test_a_purge_deletes_its_keys_chunks_and_the_next_run_rewrites_them(
    registry: Registry,
) -> None:
    for _ in range(15):
        registry.approve()
    first = registry.publish()
    second_key = {name: r for name, r in first.items() if name.endswith("/IPL-2026-00001")}

    redact_feed_files(registry.feed, {"IPL-2026-000003"}, current=())
    remaining = _on_disk(registry.feed)
    assert not [path for path in remaining if "/IPL-2026-00000." in path]
    assert {r["path"] for r in second_key.values()} <= remaining

    resources = registry.publish()  # the verifier inside checks the rewritten chunks
    assert resources["snapshot/IPL-2026-00000"]["count"] == 9

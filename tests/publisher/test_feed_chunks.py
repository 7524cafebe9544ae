"""Chunked snapshot, CSV and FTM files: immutable chunks, only changed keys rewritten."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from publisher import chunked_files, chunks
from publisher.chunks import ChunkKind, write_chunk
from publisher.settings import PublishSettings
from publisher.writers.snapshot import UTF8_BOM
from tests.publisher.test_incremental_files import PUBLIC_URL, Registry

# Ten entries per chunk (IPL-2026-00001 holds IPL-2026-000010 to -000019), so a handful of
# listings spans several chunks.
SMALL_KEY = 14


@pytest.fixture
def registry(
    app: Flask, session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Registry:
    """A registry whose chunks hold ten entries each."""
    monkeypatch.setattr(chunks, "KEY_LENGTH", SMALL_KEY)
    return Registry(app, session, tmp_path)


def _chunks(resources: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    prefix = kind + "/"
    return {
        name[len(prefix) :]: record for name, record in resources.items() if name.startswith(prefix)
    }


def _joined(registry: Registry, records: dict[str, dict[str, Any]], header: bytes = b"") -> bytes:
    data = [(registry.feed / r["path"]).read_bytes() for _key, r in sorted(records.items())]
    for part in data:
        assert part.startswith(header)
    return header + b"".join(part[len(header) :] for part in data)


def _full_build(registry: Registry) -> dict[str, dict[str, Any]]:
    signed = json.loads((registry.feed / "index.json").read_bytes())["signed"]
    size = int(signed["checkpoint"].split("\n")[1])
    records = chunked_files.write_all_chunks(registry.session, registry.rebuilt, size, PUBLIC_URL)
    return {record["name"]: dict(record) for record in records}


def _assert_same_as_full_build(registry: Registry, resources: dict[str, Any]) -> None:
    listed = {name: record for name, record in resources.items() if "/" in name}
    assert listed == _full_build(registry)


def test_the_chunks_concatenate_to_the_whole_files(registry: Registry) -> None:
    for _ in range(25):
        registry.approve()
    resources = registry.publish()

    snapshot = _chunks(resources, "snapshot")
    assert sorted(snapshot) == ["IPL-2026-00000", "IPL-2026-00001", "IPL-2026-00002"]
    assert [snapshot[key]["count"] for key in sorted(snapshot)] == [9, 10, 6]
    assert sorted(_chunks(resources, "snapshot_csv")) == sorted(snapshot)
    assert sorted(_chunks(resources, "ftm")) == sorted(snapshot)
    for kind, header in (("snapshot", b""), ("snapshot_csv", UTF8_BOM), ("ftm", b"")):
        whole = (registry.feed / resources[kind]["path"]).read_bytes()
        if kind == "snapshot_csv":
            header = whole[: whole.index(b"\n") + 1]  # each CSV chunk opens on its own
        assert _joined(registry, _chunks(resources, kind), header) == whole, kind
    # Every chunk file is named by its key and the sha256 of its bytes.
    for name, record in resources.items():
        if "/" in name:
            key = name.split("/")[1]
            assert Path(record["path"]).name.startswith(f"{key}.{record['sha256']}.")
    _assert_same_as_full_build(registry, resources)


def test_a_run_rewrites_only_the_chunks_its_events_touched(registry: Registry) -> None:
    ids = [registry.approve() for _ in range(25)]
    first = registry.publish()
    chunk_dirs = [registry.feed / "snapshot" / "chunks", registry.feed / "ftm" / "chunks"]
    before = {path: path.stat().st_mtime_ns for d in chunk_dirs for path in d.iterdir()}

    registry.amend(ids[12], "paid in full")  # IPL-2026-000013, in the second chunk
    second = registry.publish()

    for kind in ("snapshot", "snapshot_csv", "ftm"):
        old, new = _chunks(first, kind), _chunks(second, kind)
        assert old["IPL-2026-00000"] == new["IPL-2026-00000"]
        assert old["IPL-2026-00002"] == new["IPL-2026-00002"]
    # The remedy is in the snapshot and CSV; the FTM chunk has the same bytes, so the same name.
    assert {
        kind
        for kind in ("snapshot", "snapshot_csv", "ftm")
        if _chunks(first, kind)["IPL-2026-00001"] != _chunks(second, kind)["IPL-2026-00001"]
    } == {"snapshot", "snapshot_csv"}
    after = {path: path.stat().st_mtime_ns for d in chunk_dirs for path in d.iterdir()}
    assert {path for path in after if path not in before} == {
        registry.feed / r["path"]
        for name, r in second.items()
        if name in ("snapshot/IPL-2026-00001", "snapshot_csv/IPL-2026-00001")
    }
    assert all(after[path] == mtime for path, mtime in before.items()), "a chunk was rewritten"
    _assert_same_as_full_build(registry, second)


def test_new_removed_and_emptied_keys_match_a_full_build(registry: Registry) -> None:
    ids = [registry.approve() for _ in range(12)]
    registry.publish()
    for listing in ids[9:]:  # IPL-2026-000010 to -000012: the whole second chunk
        registry.remove(listing)
    registry.remove(ids[0])
    resources = registry.publish()
    assert sorted(_chunks(resources, "snapshot")) == ["IPL-2026-00000"]
    assert _chunks(resources, "snapshot")["IPL-2026-00000"]["count"] == 8
    _assert_same_as_full_build(registry, resources)

    for _ in range(10):  # IPL-2026-000013 to -000022: a chunk back, and a new one
        registry.approve()
    resources = registry.publish()
    counts = {key: r["count"] for key, r in _chunks(resources, "snapshot").items()}
    assert counts == {"IPL-2026-00000": 8, "IPL-2026-00001": 7, "IPL-2026-00002": 3}
    _assert_same_as_full_build(registry, resources)


@pytest.mark.parametrize("damage", ["missing", "altered"])
def test_a_damaged_listed_chunk_is_rewritten_from_the_database(
    registry: Registry, damage: str
) -> None:
    for _ in range(15):
        registry.approve()
    first = registry.publish()
    path = registry.feed / _chunks(first, "snapshot_csv")["IPL-2026-00000"]["path"]
    if damage == "missing":
        path.unlink()
    else:
        # Listed chunks the run does not touch are checked by size (hashing them all would
        # cost as much as rewriting them); `registry verify` checks every hash.
        path.write_bytes(path.read_bytes()[:-10])
    registry.approve()  # touches the second chunk only
    resources = registry.publish()
    _assert_same_as_full_build(registry, resources)
    assert (registry.feed / _chunks(resources, "snapshot_csv")["IPL-2026-00000"]["path"]).is_file()


def test_chunks_alone_without_the_whole_files(registry: Registry) -> None:
    registry.app.config["REGISTRY"]["FEED_WHOLE_FILES"] = False
    assert not PublishSettings.from_config(registry.app.config).whole_files
    for _ in range(11):
        registry.approve()
    resources = registry.publish()
    assert sorted(name for name in resources if "/" not in name) == []
    assert len(_chunks(resources, "snapshot")) == 2
    assert not list((registry.feed / "snapshot").glob("*.jsonl"))
    registry.approve()
    resources = registry.publish()  # the verifier passes on a chunks-only feed too
    _assert_same_as_full_build(registry, resources)


def test_a_chunk_file_is_never_overwritten(tmp_path: Path) -> None:
    kind = ChunkKind("snapshot", "snapshot", ".jsonl")
    first = write_chunk(tmp_path, kind, "IPL-2026-000", [b"a\n"], 1)
    path = tmp_path / first["path"]
    mtime = path.stat().st_mtime_ns
    assert write_chunk(tmp_path, kind, "IPL-2026-000", [b"a\n"], 1) == first
    assert path.stat().st_mtime_ns == mtime
    second = write_chunk(tmp_path, kind, "IPL-2026-000", [b"b\n"], 1)
    assert second["path"] != first["path"]
    assert path.read_bytes() == b"a\n"
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".")]


def test_an_entry_id_that_cannot_name_a_chunk_is_refused() -> None:
    with pytest.raises(chunks.ChunkKeyError, match="cannot name a feed chunk"):
        chunks.chunk_key("IPL/2026/../1")
    assert chunks.chunk_key("IPL-2026-000123") == "IPL-2026-000"
    # Truncation keeps entry_id order: a seven-digit id joins the six-digit ids it sorts among.
    assert chunks.chunk_key("IPL-2026-1000000") == chunks.chunk_key("IPL-2026-100000")


def test_settings_default_to_whole_files_for_this_release(app: Flask) -> None:
    settings = PublishSettings.from_config(app.config)
    assert settings.whole_files is True
    assert dataclasses.replace(settings, whole_files=False).whole_files is False


def test_a_full_build_in_worker_processes_writes_the_same_chunks(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(chunks, "KEY_LENGTH", 15)  # one entry per key: 12 keys
    for _ in range(12):
        registry.approve()
    registry.publish()
    signed = json.loads((registry.feed / "index.json").read_bytes())["signed"]
    size = int(signed["checkpoint"].split("\n")[1])
    session = registry.session
    alone = chunked_files.write_all_chunks(session, registry.rebuilt, size, PUBLIC_URL)
    parallel_dir = registry.rebuilt.parent / "parallel"
    parallel = chunked_files.write_all_chunks(session, parallel_dir, size, PUBLIC_URL, workers=2)
    assert len(alone) == 36
    assert parallel == alone
    for record in parallel:
        assert (parallel_dir / record["path"]).read_bytes() == (
            registry.rebuilt / record["path"]
        ).read_bytes()

"""Atomic and immutable feed file writes: old content survives every failure."""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from publisher.writers.atomic import (
    FeedWriteError,
    ImmutableFileChanged,
    write_atomic,
    write_immutable,
    write_new_files,
)
from registry.errors import InvalidValue


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


def test_write_atomic_writes_bytes_and_reports_hash_and_size(tmp_path: Path) -> None:
    target = tmp_path / "nested" / "atom.xml"

    sha256, size = write_atomic(target, b"<feed/>")

    assert target.read_bytes() == b"<feed/>"
    assert (sha256, size) == (hashlib.sha256(b"<feed/>").hexdigest(), 7)
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert leftovers(target.parent) == []


def test_write_atomic_streams_chunks_and_replaces_old_content(tmp_path: Path) -> None:
    target = tmp_path / "index.json"
    target.write_bytes(b"old")

    def chunks() -> Iterator[bytes]:
        yield b"new "
        yield b"content"

    sha256, size = write_atomic(target, chunks())

    assert target.read_bytes() == b"new content"
    assert (sha256, size) == (hashlib.sha256(b"new content").hexdigest(), 11)


def test_failure_midway_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "index.json"
    target.write_bytes(b"old")

    def chunks() -> Iterator[bytes]:
        yield b"half of the new"
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError, match="database went away"):
        write_atomic(target, chunks())

    assert target.read_bytes() == b"old"
    assert leftovers(tmp_path) == []


def test_disk_full_names_the_file_and_keeps_the_old_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "snapshot.jsonl"
    target.write_bytes(b"old")

    def no_space(descriptor: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", no_space)
    with pytest.raises(FeedWriteError) as raised:
        write_atomic(target, b"new")

    assert raised.value.errno == errno.ENOSPC
    assert str(target) in str(raised.value)
    assert "no space left" in str(raised.value)
    assert target.read_bytes() == b"old"
    assert leftovers(tmp_path) == []


def test_a_chunk_that_is_not_bytes_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidValue) as raised:
        write_atomic(tmp_path / "x", iter([b"ok", "text"]))  # type: ignore[arg-type]

    assert raised.value.field == "content"
    assert "chunk 1 is str" in raised.value.reason
    assert not (tmp_path / "x").exists()
    assert leftovers(tmp_path) == []


def test_write_immutable_creates_then_accepts_identical_content(tmp_path: Path) -> None:
    target = tmp_path / "snapshot" / "3.jsonl"

    first = write_immutable(target, iter([b"a\n", b"b\n"]))
    inode = target.stat().st_ino
    again = write_immutable(target, b"a\nb\n")

    assert first == again == (hashlib.sha256(b"a\nb\n").hexdigest(), 4)
    assert target.stat().st_ino == inode  # a re-run after a crash does not touch the file
    assert leftovers(target.parent) == []


def test_write_immutable_refuses_different_content(tmp_path: Path) -> None:
    target = tmp_path / "3.jsonl"
    write_immutable(target, b"published\n")

    with pytest.raises(ImmutableFileChanged) as raised:
        write_immutable(target, b"rewritten history\n")

    assert raised.value.path == target
    assert "publish under a new version" in raised.value.message
    assert target.read_bytes() == b"published\n"
    assert leftovers(tmp_path) == []


def test_write_new_files_creates_the_missing_files_and_leaves_the_others(tmp_path: Path) -> None:
    tiles = tmp_path / "tile" / "0"
    tiles.mkdir(parents=True)
    (tiles / "000").write_bytes(b"on disk before")
    files = [(tiles / "000", b"other bytes"), (tiles / "001", b"a"), (tmp_path / "x" / "002", b"b")]

    assert write_new_files(files) == 2

    assert (tiles / "000").read_bytes() == b"on disk before"  # tiles are immutable
    assert (tiles / "001").read_bytes() == b"a"
    assert (tmp_path / "x" / "002").read_bytes() == b"b"
    assert stat.S_IMODE((tiles / "001").stat().st_mode) == 0o644
    assert leftovers(tiles) == leftovers(tmp_path / "x") == []


def test_write_new_files_syncs_every_file_before_any_rename_and_each_directory_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    fsync, replace = os.fsync, os.replace

    def recorded_fsync(descriptor: int) -> None:
        kind = "directory" if stat.S_ISDIR(os.fstat(descriptor).st_mode) else "file"
        calls.append(f"fsync {kind}")
        fsync(descriptor)

    def recorded_replace(source: Path, target: Path) -> None:
        calls.append("rename")
        replace(source, target)

    monkeypatch.setattr(os, "fsync", recorded_fsync)
    monkeypatch.setattr(os, "replace", recorded_replace)
    write_new_files([(tmp_path / f"{n:03d}", b"tile") for n in range(3)])

    assert calls == ["fsync file"] * 3 + ["rename"] * 3 + ["fsync directory"]


def test_write_new_files_failing_midway_removes_what_it_had_not_renamed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    replace = os.replace
    renamed: list[Path] = []

    def full_after_one(source: Path, target: Path) -> None:
        if renamed:
            raise OSError(errno.ENOSPC, "No space left on device")
        renamed.append(Path(target))
        replace(source, target)

    monkeypatch.setattr(os, "replace", full_after_one)
    with pytest.raises(FeedWriteError, match="no space left") as raised:
        write_new_files([(tmp_path / f"{n:03d}", b"tile") for n in range(3)])

    assert str(tmp_path / "001") in str(raised.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["000"]  # complete, no temporaries
    assert (tmp_path / "000").read_bytes() == b"tile"


_FDOPEN = os.fdopen


class _FullDisk:
    """A file object on a full disk: what it buffered cannot be flushed, not even on close."""

    def __init__(self, descriptor: int) -> None:
        self._file = _FDOPEN(descriptor, "wb")

    def fileno(self) -> int:
        return self._file.fileno()

    def write(self, data: bytes) -> int:
        return len(data)

    def flush(self) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def close(self) -> None:
        self._file.close()
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_write_new_files_on_a_full_disk_names_the_file_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(os, "fdopen", lambda descriptor, _mode: _FullDisk(descriptor))
    with pytest.raises(FeedWriteError) as raised:
        write_new_files([(tmp_path / "000", b"tile"), (tmp_path / "001", b"tile")])

    assert raised.value.errno == errno.ENOSPC
    assert raised.value.filename == str(tmp_path / "000")
    assert list(tmp_path.iterdir()) == []

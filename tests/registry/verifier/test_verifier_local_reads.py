"""Workers read a local feed's files themselves: the same bytes, and never a replaced file."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from registry.verifier import feed_check
from registry.verifier import verify as verify_module
from registry.verifier.feed_check import MAX_LINE_BYTES, _line_runs
from registry.verifier.leaf_codes import KEYED_SECRETS, fingerprint
from registry.verifier.report import VerificationReport
from registry.verifier.source import CHANGED, MISSING, DirectorySource, LocalFile, local_file
from registry.verifier.verify import verify_feed
from tests.registry.verifier.verifier_feeds import NOW, build_feed


@contextmanager
def _held_open(folder: Path, data: bytes) -> Iterator[tuple[Path, LocalFile]]:
    """A delta file written with `data`, held open as the verifying process holds it."""
    path = folder / "delta.jsonl"
    path.write_bytes(data)
    with path.open("rb") as opened:
        local = local_file(DirectorySource(folder), "delta.jsonl", opened)
        assert local is not None
        yield path, local


def test_a_part_of_an_open_file_is_read_as_it_was_opened(tmp_path: Path) -> None:
    with _held_open(tmp_path, b"one\ntwo\nthree\n") as (path, local):
        assert local.part(4, 4).read() == b"two\n"
        # Replaced (a new file renamed over it): the worker refuses it rather than read it.
        replacement = tmp_path / "new.jsonl"
        replacement.write_bytes(b"one\nTWO\nthree\n")
        replacement.replace(path)
        assert local.part(4, 4).read() == CHANGED


def test_a_file_changed_in_length_is_refused(tmp_path: Path) -> None:
    with _held_open(tmp_path, b"one\ntwo\n") as (path, local):
        with path.open("ab") as appended:
            appended.write(b"three\n")
        assert local.part(0, 4).read() == CHANGED


def test_a_missing_or_unopened_file_is_named(tmp_path: Path) -> None:
    source = DirectorySource(tmp_path)
    assert local_file(source, "snapshot/absent.jsonl") is None
    (tmp_path / "chunk.jsonl").write_bytes(b"x\n")
    local = local_file(source, "chunk.jsonl")
    assert local == LocalFile(str(tmp_path / "chunk.jsonl"))
    (tmp_path / "chunk.jsonl").unlink()
    assert local.read() == MISSING


def test_runs_end_at_lines_and_name_the_same_bytes_in_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(feed_check, "RUN_BYTES", 16)
    endless = b"x" * (MAX_LINE_BYTES + 40)
    data = b"a1\nb22\nc333\n" + endless + b"\n" + b"d4\ne55\n" * 3 + b"tail"
    path = tmp_path / "delta.jsonl"
    path.write_bytes(data)
    report = VerificationReport("test")
    with path.open("rb") as stream:
        local = local_file(DirectorySource(tmp_path), "delta.jsonl", stream)
        assert local is not None
        runs = list(_line_runs("delta.jsonl", stream, report, local))
    lines: list[tuple[int, bytes]] = []
    for first, run, given in runs:
        assert isinstance(given, LocalFile) and given.read() == run
        assert run.endswith(b"\n") or run == b"tail"
        lines += enumerate(run.splitlines(), start=first)
    assert lines == [
        (1, b"a1"),
        (2, b"b22"),
        (3, b"c333"),
        *((5 + 2 * n + i, line) for n in range(3) for i, line in enumerate((b"d4", b"e55"))),
        (11, b"tail"),
    ]
    assert report.problems() == [
        f"delta.jsonl: line 4 is longer than {MAX_LINE_BYTES:,} bytes; skipped"
    ]


def test_runs_of_a_stream_elsewhere_carry_their_bytes() -> None:
    report = VerificationReport("test")
    runs = list(_line_runs("x.jsonl", io.BytesIO(b'{"a":1}\n{"b":2}\n'), report))
    assert [(first, run) for first, run, given in runs if given == run] == [
        (1, b'{"a":1}\n{"b":2}\n')
    ]


def test_fingerprints_are_the_keyed_blake2b_for_every_secret() -> None:
    secrets = [bytes([n]) * 16 for n in range(KEYED_SECRETS + 2)]
    for _ in range(2):
        for secret in secrets:
            expected = hashlib.blake2b(b"leaf", digest_size=8, key=secret).digest()
            assert fingerprint(secret, b"leaf") == int.from_bytes(expected, "little")


def test_a_delta_replaced_after_it_was_hashed_is_reported_not_read_anew(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    feed = build_feed(tmp_path / "feed")
    delta = feed.root / "delta/0-1.jsonl"
    checked = verify_module.check_delta

    def replaced_first(*arguments: Any) -> int:
        # Another file with the same bytes renamed over the hashed one: a new inode.
        copy = delta.with_suffix(".copy")
        copy.write_bytes(delta.read_bytes())
        copy.replace(delta)
        return checked(*arguments)

    monkeypatch.setattr(verify_module, "check_delta", replaced_first)
    report = verify_feed(DirectorySource(feed.root), pinned_keys=feed.pinned(), now=NOW)
    assert f"delta/0-1.jsonl: lines from 1 on: {CHANGED}" in report.problems()

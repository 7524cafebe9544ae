"""What the verifier reports from its index of log events, word for word and in order."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from registry.canonical import sha256_hex
from registry.ledger.tiles import decode_bundle, encode_bundle
from registry.signing.signatures import sign_entry
from registry.verifier import DirectorySource, verify_feed
from tests.publisher.writer_samples import make_entry
from tests.registry.verifier.verifier_feeds import NOW, Feed, build_feed, rewrite_line


@pytest.fixture
def feed(tmp_path: Path) -> Feed:
    return build_feed(tmp_path / "feed")


def test_a_revision_logged_with_a_second_content_hash_is_named(tmp_path: Path) -> None:
    feed = build_feed(tmp_path / "feed", listed=3, removed=1, relogged=2)

    assert feed.verify().problems() == [
        "log/tile/entries/000.p/6: leaf 4 gives IPL-2026-000001 revision 1 a second content hash",
        "log/tile/entries/000.p/6: leaf 5 gives IPL-2026-000002 revision 1 a second content hash",
    ]


def test_a_second_content_hash_is_named_after_its_tiles_problems(tmp_path: Path) -> None:
    # Leaves 0-519 list entries, 520 removes the last, 521 logs entry 1 again: tile 2
    # holds leaves 512-521. Leaf 520 is made invalid; each problem keeps its place.
    feed = build_feed(tmp_path / "feed", listed=520, removed=1, relogged=1)
    path = feed.root / "log/tile/entries/002.p/10"
    leaves = decode_bundle(path.read_bytes())
    leaves[8] = leaves[8].replace(b'"reason":"error"', b'"reason":"mistake"')
    path.write_bytes(encode_bundle(leaves))

    problems = feed.verify().problems()

    expected = [
        ("log/tile/entries/002.p/10", "entry 8 (leaf 520) is not a valid log event: reason: "),
        ("log/tile/entries/002.p/10", "leaf 521 gives IPL-2026-000001 revision 1 a second content"),
        ("log/tile/0/002.p/10", "hash 8 (leaf 520) differs from the hash of that log entry"),
        ("log/checkpoint", "the signed root "),
    ]
    assert len(problems) == len(expected), problems
    for problem, (file, start) in zip(problems, expected, strict=True):
        assert problem.startswith(f"{file}: {start}")


def test_the_logs_content_hash_is_quoted_in_full(feed: Feed) -> None:
    changed = {**make_entry(1), "remedy": "changed quietly"}
    rewrite_line(
        feed.root / "snapshot/1.jsonl", 1, lambda _: sign_entry(changed, feed.keys["entry"])
    )

    problems = [p for p in feed.verify().problems() if p.startswith("snapshot/1.jsonl: line")]

    assert problems == [
        f"snapshot/1.jsonl: line 1 (IPL-2026-000001 revision 1): content hash "
        f"{sha256_hex(changed)} differs from the log's content_sha256 {sha256_hex(make_entry(1))}"
    ]


class ChangingSource(DirectorySource):
    """A feed whose entry tiles read otherwise after the first read: `old` becomes `new`."""

    def __init__(self, root: Path, old: bytes, new: bytes) -> None:
        super().__init__(root)
        self.old, self.new = old, new
        self.tile_reads = 0

    def read(self, path: str) -> bytes | None:
        data = super().read(path)
        if data is not None and path.startswith("log/tile/entries/"):
            self.tile_reads += 1
            if self.tile_reads > 1:
                return data.replace(self.old, self.new)
        return data


def test_a_log_that_reads_otherwise_the_second_time_is_said_so(feed: Feed) -> None:
    changed = {**make_entry(1), "remedy": "changed quietly"}
    rewrite_line(
        feed.root / "snapshot/1.jsonl", 1, lambda _: sign_entry(changed, feed.keys["entry"])
    )

    logged = sha256_hex(make_entry(1)).encode()
    source = ChangingSource(feed.root, logged, sha256_hex(changed).encode())
    report = verify_feed(source, pinned_keys=feed.pinned(), now=NOW)

    assert [p for p in report.problems() if p.startswith("snapshot/1.jsonl: line")] == [
        f"snapshot/1.jsonl: line 1 (IPL-2026-000001 revision 1): content hash "
        f"{sha256_hex(changed)} differs from the log's content_sha256 (log leaf 0 now reads "
        "otherwise)"
    ]


def test_a_snapshot_entry_with_an_id_of_another_form_is_checked_against_the_log(
    tmp_path: Path,
) -> None:
    feed = build_feed(tmp_path / "feed", listed=2, removed=0)
    entry: dict[str, Any] = {**make_entry(3), "entry_id": "IPL-2026-000003X"}
    path = feed.root / "snapshot/1.jsonl"
    path.write_bytes(
        path.read_bytes() + json.dumps(sign_entry(entry, feed.keys["entry"])).encode() + b"\n"
    )

    problems = [p for p in feed.verify().problems() if p.startswith("snapshot/1.jsonl: line")]

    assert problems == [
        "snapshot/1.jsonl: line 3 (IPL-2026-000003X revision 1): no log entry up to the "
        "checkpoint records this revision"
    ]

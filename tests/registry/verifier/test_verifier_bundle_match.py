"""A delta line repeating a snapshot line's bundle is not verified twice, and nothing else
changes: the same problems, word for word, whether the bundles are matched or not."""

from __future__ import annotations

import datetime as dt
import json
from array import array
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from registry.canonical import canonical_bytes
from registry.signing.keys import generate_key
from registry.signing.signatures import sign_entry
from registry.verifier import verify as verify_module
from registry.verifier import work
from registry.verifier.leaf_index import LeafIndex
from tests.publisher.writer_samples import make_entry
from tests.registry.verifier.verifier_feeds import NOW, ORIGIN, Feed, build_feed, rewrite_line

SECRET = b"0123456789abcdef"
DELTA = "delta/0-1.jsonl"
SNAPSHOT = "snapshot/1.jsonl"


def _checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record how each line's bundle is checked, in order (snapshot lines, then delta lines):
    "verified" (its signature), "known" (the fast check without the signature), "noted" (a
    delta line repeating its leaf and the noted bundle, unparsed)."""
    calls: list[str] = []
    check, repeated_line = work.canonical_bundle_check, work._repeated_line

    def counted(bundle: Any, data: bytes, keys: work.EntryKeys, verified: bool = False) -> Any:
        calls.append("known" if verified else "verified")
        return check(bundle, data, keys, verified)

    def noted(*arguments: Any) -> Any:
        found = repeated_line(*arguments)
        if found is not None:
            calls.append("noted")
        return found

    monkeypatch.setattr(work, "canonical_bundle_check", counted)
    monkeypatch.setattr(work, "_repeated_line", noted)
    return calls


def test_a_first_versions_delta_verifies_only_what_the_snapshot_did_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Entries 1-3 listed, 3 removed again: the snapshot holds 1 and 2; the delta lists all
    # four events with their bundles, the first two byte for byte the snapshot's lines.
    feed = build_feed(tmp_path / "feed", listed=3, removed=1)
    calls = _checks(monkeypatch)

    report = feed.verify(workers=1)

    assert report.ok, report.problems()
    # The snapshot's two lines, then the delta's four.
    assert calls == ["verified", "verified", "noted", "noted", "verified", "verified"]
    assert report.checked["signed entries"] == 2 + 4


def test_a_regular_versions_small_delta_is_verified_on_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 50 entries in the snapshot, a delta of the last two events: under one in 20.
    feed = build_feed(tmp_path / "feed", listed=51, removed=1, delta_from=50)
    calls = _checks(monkeypatch)

    report = feed.verify(workers=1)

    assert report.ok, report.problems()
    assert calls == ["verified"] * (50 + 2)


def _forge_signature(line: dict[str, Any]) -> dict[str, Any]:
    signature = line["bundle"]["signature"]
    signature["sig"] = ("B" if signature["sig"][0] == "A" else "A") + signature["sig"][1:]
    return line


def _other_entrys_bundle(feed: Feed) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def swap(line: dict[str, Any]) -> dict[str, Any]:
        return {**line, "bundle": sign_entry(make_entry(2), feed.keys["entry"])}

    return swap


def _signed_by_another_key(line: dict[str, Any]) -> dict[str, Any]:
    other = generate_key("entry", NOW - dt.timedelta(days=2), ORIGIN)
    return {**line, "bundle": sign_entry(line["bundle"]["entry"], other)}


def _spaced(path: Path, number: int) -> None:
    lines = path.read_bytes().splitlines(keepends=True)
    lines[number - 1] = json.dumps(json.loads(lines[number - 1])).encode() + b"\n"
    path.write_bytes(b"".join(lines))


def _swap_lines(path: Path, first: int, second: int) -> None:
    lines = path.read_bytes().splitlines(keepends=True)
    lines[first - 1], lines[second - 1] = lines[second - 1], lines[first - 1]
    path.write_bytes(b"".join(lines))


def _duplicate_line(path: Path, number: int) -> None:
    lines = path.read_bytes().splitlines(keepends=True)
    lines.insert(number, lines[number - 1])
    path.write_bytes(b"".join(lines))


def _swap_bundles(path: Path, first: int, second: int) -> None:
    lines = [json.loads(line) for line in path.read_bytes().splitlines()]
    one, two = lines[first - 1], lines[second - 1]
    one["bundle"], two["bundle"] = two["bundle"], one["bundle"]
    path.write_bytes(b"".join(canonical_bytes(line) + b"\n" for line in lines))


def _forge_both(feed: Feed) -> None:
    rewrite_line(
        feed.root / SNAPSHOT, 1, lambda bundle: _forge_signature({"bundle": bundle})["bundle"]
    )
    rewrite_line(feed.root / DELTA, 1, _forge_signature)


Tamper = Callable[[Feed], object]

TAMPERINGS: dict[str, Tamper] = {
    "none": lambda feed: None,
    "delta signature forged": lambda feed: rewrite_line(feed.root / DELTA, 1, _forge_signature),
    "delta bundle of another entry": lambda feed: rewrite_line(
        feed.root / DELTA, 1, _other_entrys_bundle(feed)
    ),
    "delta bundle signed by another key": lambda feed: rewrite_line(
        feed.root / DELTA, 2, _signed_by_another_key
    ),
    "delta content changed": lambda feed: rewrite_line(
        feed.root / DELTA,
        1,
        lambda line: {
            **line,
            "bundle": {**line["bundle"], "entry": {**line["bundle"]["entry"], "remedy": "x"}},
        },
    ),
    "delta seq shifted": lambda feed: rewrite_line(
        feed.root / DELTA, 2, lambda line: {**line, "seq": 0}
    ),
    "delta lines swapped": lambda feed: _swap_lines(feed.root / DELTA, 1, 2),
    "delta line repeated": lambda feed: _duplicate_line(feed.root / DELTA, 1),
    "delta line not canonical": lambda feed: _spaced(feed.root / DELTA, 1),
    "delta bundle purged": lambda feed: rewrite_line(
        feed.root / DELTA, 1, lambda line: {**line, "bundle": None}
    ),
    "snapshot signature forged": lambda feed: rewrite_line(
        feed.root / SNAPSHOT, 1, lambda bundle: _forge_signature({"bundle": bundle})["bundle"]
    ),
    "snapshot line not canonical": lambda feed: _spaced(feed.root / SNAPSHOT, 1),
    "snapshot and delta signature forged alike": lambda feed: _forge_both(feed),
    "snapshot entry never logged": lambda feed: rewrite_line(
        feed.root / SNAPSHOT,
        1,
        lambda bundle: sign_entry({**bundle["entry"], "remedy": "y"}, feed.keys["entry"]),
    ),
    "snapshot line repeated": lambda feed: _duplicate_line(feed.root / SNAPSHOT, 1),
    "delta event names another entry": lambda feed: rewrite_line(
        feed.root / DELTA, 1, lambda line: {**line, "entry_id": "IPL-2026-000002"}
    ),
    "delta event names another revision": lambda feed: rewrite_line(
        feed.root / DELTA, 2, lambda line: {**line, "revision": 2}
    ),
    "delta event with another content hash": lambda feed: rewrite_line(
        feed.root / DELTA, 1, lambda line: {**line, "content_sha256": "0" * 64}
    ),
    "delta event with an extra member": lambda feed: rewrite_line(
        feed.root / DELTA, 1, lambda line: {**line, "zz": 1}
    ),
    "delta bundle on the next line's seq": lambda feed: _swap_bundles(feed.root / DELTA, 1, 2),
    "snapshot entry id not text": lambda feed: rewrite_line(
        feed.root / SNAPSHOT,
        1,
        lambda bundle: sign_entry({**bundle["entry"], "entry_id": 1}, feed.keys["entry"]),
    ),
    "snapshot holds a removed entry": lambda feed: (feed.root / SNAPSHOT).write_bytes(
        (feed.root / SNAPSHOT).read_bytes()
        + canonical_bytes(sign_entry(make_entry(3), feed.keys["entry"]))
        + b"\n"
    ),
}


@pytest.mark.parametrize("tampering", sorted(TAMPERINGS))
def test_the_report_is_the_same_with_and_without_matching_bundles(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tampering: str
) -> None:
    feed = build_feed(tmp_path / "feed", listed=3, removed=1)
    TAMPERINGS[tampering](feed)

    matched = feed.verify(workers=1)
    monkeypatch.setattr(verify_module, "MATCH_BUNDLES_FROM", 0)  # never match
    unmatched = feed.verify(workers=1)

    assert matched.problems() == unmatched.problems()
    assert matched.checked == unmatched.checked
    assert (tampering == "none") == matched.ok


def test_signed_prints_are_noted_only_for_kept_leaves_and_given_by_seq() -> None:
    leaves = LeafIndex(SECRET, keep_from=2, match_bundles=True)
    for _ in range(5):
        leaves.kept.append(7)  # leaves 2 to 6 are kept

    leaves.note_signed(1, 11)  # before the delta: ignored
    assert leaves.signed_prints(0, 10) is None
    leaves.note_signed(3, 13)
    leaves.note_signed(6, 16)
    leaves.note_signed(7, 17)  # past the log: ignored

    assert leaves.signed_prints(0, 10) == (2, array("Q", [0, 13, 0, 0, 16]))
    assert leaves.signed_prints(4, 2) is None
    assert leaves.signed_prints(5, 1) is None
    assert leaves.signed_prints(6, 5) == (6, array("Q", [16]))


def test_without_matching_nothing_is_noted() -> None:
    leaves = LeafIndex(SECRET, keep_from=0)
    leaves.kept.append(7)
    leaves.note_signed(0, 11)
    assert not leaves.signed
    assert leaves.signed_prints(0, 1) is None

"""The log's events as the snapshot and delta checks need them, in flat arrays.

Each leaf costs a 64-bit word for its entry's code, a 32-bit one for its event and revision
(64-bit once a revision reaches 2**30) and a 64-bit one for its content fingerprint, in
arrays indexed by seq (registry/verifier/leaf_codes.py), and each event four bytes more in
a hash table of seqs whose buckets are sorted by entry code: about 24 bytes a leaf, where a
dict of tuples cost about 450. An entry's events are found by a
binary search in its bucket, in log order. The delta's leaves are kept as one fingerprint
each, and, when the delta repeats much of the snapshot (a first version), the fingerprint of
the bundle each of them should carry whose signature the snapshot check verified (one more
word a delta leaf: registry/verifier/work.py, `bundle_print`). The full text a problem quotes
is read back from the log when a check fails.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from typing import Protocol

from registry.verifier.leaf_codes import (
    EVENT_CODES,
    NO_EVENT,
    entry_name,
    fingerprint,
    unpack_mark,
)

REMOVED = EVENT_CODES["removed"]
# Events per bucket of the hash table, about: small enough that sorting one bucket takes
# no memory to speak of.
BUCKET_EVENTS = 256
# A valid event leaf is canonical JSON whose first member is its content hash.
_CONTENT = re.compile(rb'\A\{"content_sha256":"([0-9a-f]{64})"')


class ReplayedTile(Protocol):
    """What the index takes from one replayed entry tile (registry/verifier/work.py)."""

    codes: array[int]
    marks: array[int]
    contents: array[int]
    other_ids: list[tuple[int, str]]
    kept: array[int]
    anchors: int


def _unread(_seq: int) -> bytes | None:
    """A leaf reader for an index built without a feed to read from."""
    return None


class LeafIndex:
    """The log's events by entry, and the fingerprints of the leaves the delta repeats."""

    def __init__(
        self,
        secret: bytes,
        keep_from: int = 0,
        read_leaf: Callable[[int], bytes | None] = _unread,
        match_bundles: bool = False,
    ) -> None:
        self.secret = secret
        self.read_leaf = read_leaf  # leaf `seq` read again from the feed, for a problem's text
        self.keep_from = keep_from  # the first leaf the delta is compared with
        # Whether the snapshot's signed bundles are noted for the delta (`note_signed`).
        self.match_bundles = match_bundles
        self.anchors = 0  # audit anchors among the leaves
        self.codes = array("Q")
        # 32-bit words while every revision fits (below 2**30), 64-bit from the first that
        # does not.
        self.marks = array("I")
        self.contents = array("Q")
        self.kept = array("Q")
        # bundle_print noted for each kept leaf (0: none), allocated at the first one.
        self.signed = array("Q")
        # Entry ids not of the registry's form, numbered from 1 in the order met.
        self._other_codes: dict[str, int] = {}
        self._other_ids: list[str] = []
        self._buckets: list[array[int]] = [array("I")]
        self._mask = 0

    def add(self, tile: ReplayedTile) -> None:
        """Append the leaves of the next tile, in log order."""
        base = len(self.codes)
        self.codes.extend(tile.codes)
        try:
            self.marks.extend(array(self.marks.typecode, tile.marks))
        except OverflowError:
            self.marks = array("Q", self.marks)
            self.marks.extend(tile.marks)
        self.contents.extend(tile.contents)
        for offset, entry_id in tile.other_ids:
            self.codes[base + offset] = self._numbered(entry_id)
        self.kept.extend(tile.kept)
        self.anchors += tile.anchors

    def _numbered(self, entry_id: str) -> int:
        code = self._other_codes.get(entry_id)
        if code is None:
            self._other_ids.append(entry_id)
            code = self._other_codes[entry_id] = len(self._other_ids)
        return code

    def finish(self) -> list[tuple[int, str, int]]:
        """Index the events added by entry; return each event giving a revision a second hash.

        Those are (seq, entry_id, revision), by seq: events after the first of an entry and
        revision whose content hash differs from the first's.
        """
        codes, marks = self.codes, self.marks
        events = len(marks) - marks.count(NO_EVENT)
        buckets = 1
        while buckets * BUCKET_EVENTS < events:
            buckets *= 2
        self._mask = buckets - 1
        typecode = "I" if len(codes) <= 0xFFFFFFFF else "Q"
        self._buckets = [array(typecode) for _ in range(buckets)]
        for seq, mark in enumerate(marks):
            if mark != NO_EVENT:
                self._buckets[codes[seq] & self._mask].append(seq)
        seconds: list[tuple[int, str, int]] = []
        for number, bucket in enumerate(self._buckets):
            # Stable: an entry's events stay in log order.
            bucket = self._buckets[number] = array(typecode, sorted(bucket, key=codes.__getitem__))
            seconds += self._second_contents(bucket)
        return sorted(seconds)

    def _second_contents(self, bucket: array[int]) -> list[tuple[int, str, int]]:
        codes, marks, contents = self.codes, self.marks, self.contents
        found: list[tuple[int, str, int]] = []
        first: dict[int, int] = {}  # revision -> content, within one entry's events
        previous = -1
        for seq in bucket:
            code, revision = codes[seq], marks[seq] >> 2
            if code != previous:
                first.clear()
                previous = code
            content = first.setdefault(revision, contents[seq])
            if content != contents[seq]:
                found.append((seq, self.entry_id(code), revision))
        return found

    def entry_id(self, code: int) -> str:
        """The entry id an event's code stands for."""
        if 0 < code <= len(self._other_ids):
            return self._other_ids[code - 1]
        return entry_name(code)

    def other_code(self, entry_id: str) -> int:
        """The number an entry id without an exact code was given (0: not in the log)."""
        return self._other_codes.get(entry_id, 0)

    def events_of(self, code: int) -> Sequence[int]:
        """The seqs of the entry's events, in log order (after `finish`)."""
        bucket = self._buckets[code & self._mask]
        key = self.codes.__getitem__
        low = bisect_left(bucket, code, key=key)
        return bucket[low : bisect_right(bucket, code, low, key=key)]

    def lists(self, code: int, revision: int, content: int) -> bool:
        """Whether the entry's latest event lists (or amends to) `revision`, and the first
        event of that revision recorded `content`: what a snapshot line must find."""
        return self.listed_at(code, revision, content) >= 0

    def listed_at(self, code: int, revision: int, content: int) -> int:
        """The seq of the first event of `revision` when `lists` holds, else -1.

        events_of, state and first_with in one pass, for the line that passes.
        """
        bucket, codes, marks = self._buckets[code & self._mask], self.codes, self.marks
        position = bisect_left(bucket, code, key=codes.__getitem__)
        end = position
        while end < len(bucket) and codes[bucket[end]] == code:
            end += 1
        if end == position:
            return -1
        last = marks[bucket[end - 1]]
        if last & 3 == REMOVED or last >> 2 != revision:
            return -1
        for seq in bucket[position:end]:
            if marks[seq] >> 2 == revision:
                return seq if self.contents[seq] == content else -1
        return -1  # not reached: the last event has this revision

    def state(self, seq: int) -> tuple[str, int]:
        """The (event, revision) of an event."""
        return unpack_mark(self.marks[seq])

    def first_with(self, seqs: Sequence[int], revision: int) -> int | None:
        """Among an entry's events, the first of `revision` (which set its content hash)."""
        marks = self.marks
        return next((seq for seq in seqs if marks[seq] >> 2 == revision), None)

    def logged_content(self, seq: int) -> str | None:
        """The content_sha256 of event `seq`, read again (None: the log no longer gives it)."""
        leaf = self.read_leaf(seq)
        match = None if leaf is None else _CONTENT.search(leaf)
        if match is None or fingerprint(self.secret, match[1]) != self.contents[seq]:
            return None
        return match[1].decode("ascii")

    def kept_print(self, seq: int) -> int | None:
        """The fingerprint of leaf `seq`, if it was kept."""
        position = seq - self.keep_from
        return self.kept[position] if 0 <= position < len(self.kept) else None

    def note_signed(self, seq: int, bundle: int) -> None:
        """Note that the bundle of event `seq` is the one with fingerprint `bundle`, whose
        signature verified (ignored for a leaf not kept, or without `match_bundles`)."""
        position = seq - self.keep_from
        if not self.match_bundles or not 0 <= position < len(self.kept):
            return
        if not self.signed:
            self.signed = array("Q", bytes(8 * len(self.kept)))
        self.signed[position] = bundle

    def signed_prints(self, first: int, count: int) -> tuple[int, array[int]] | None:
        """The noted bundle prints of leaves `first` to `first + count - 1`, as (the seq of
        the first one given, the prints); None when none is noted there."""
        start = max(first - self.keep_from, 0)
        end = min(first - self.keep_from + count, len(self.signed))
        if start >= end:
            return None
        prints = self.signed[start:end]
        return (self.keep_from + start, prints) if any(prints) else None


def secret_of(leaves: LeafIndex | None) -> bytes:
    """The key of the index's fingerprints (any, when there is no index to compare with)."""
    return b"" if leaves is None else leaves.secret

"""The verifier's compact index of log events: exact entry codes, buckets, repeats."""

from __future__ import annotations

import hashlib
from array import array

import pytest

from registry.verifier.leaf_codes import (
    NO_EVENT,
    entry_code,
    entry_name,
    fingerprint,
    new_secret,
    pack_mark,
    unpack_mark,
)
from registry.verifier.leaf_index import BUCKET_EVENTS, LeafIndex
from registry.verifier.work import TileOutcome

SECRET = b"0123456789abcdef"

Event = tuple[str, str, int, str] | None
"""(event, entry_id, revision, content sha256) of a leaf; None for an audit anchor."""


def content(label: str) -> str:
    return hashlib.sha256(label.encode()).hexdigest()


def tile(events: list[Event], leaves: list[bytes] | None = None, keep_from: int = 0) -> TileOutcome:
    """A replayed tile as a worker returns it (registry/verifier/work.py)."""
    outcome = TileOutcome()
    for offset, event in enumerate(events):
        if event is None:
            outcome.codes.append(0)
            outcome.marks.append(NO_EVENT)
            outcome.contents.append(0)
            outcome.anchors += 1
            continue
        name, entry_id, revision, digest = event
        code = entry_code(entry_id)
        if not code:
            outcome.other_ids.append((offset, entry_id))
        outcome.codes.append(code)
        outcome.marks.append(pack_mark(name, revision))
        outcome.contents.append(fingerprint(SECRET, digest.encode()))
        if leaves is not None and offset >= keep_from:
            outcome.kept.append(fingerprint(SECRET, leaves[offset]))
    return outcome


def index_of(*tiles: list[Event]) -> LeafIndex:
    leaves = LeafIndex(SECRET)
    for events in tiles:
        leaves.add(tile(events))
    return leaves


@pytest.mark.parametrize(
    "entry_id",
    [
        "IPL-2026-000001",
        "IPL-2026-999999",
        "IPL-2026-1000000",
        "IPL-1000-000000",
        "IPL-9999-" + "9" * 14,
    ],
)
def test_a_registry_id_codes_exactly_and_back(entry_id: str) -> None:
    assert entry_code(entry_id) != 0
    assert entry_name(entry_code(entry_id)) == entry_id


def test_registry_ids_never_share_a_code() -> None:
    ids = [f"IPL-{year}-{number:06d}" for year in (2026, 2027) for number in range(0, 3000, 7)]
    ids += ["IPL-2026-1000000", "IPL-2026-10000000", "IPL-2027-100000"]
    assert len({entry_code(entry_id) for entry_id in ids}) == len(ids)


@pytest.mark.parametrize(
    "entry_id",
    [
        "IPL-2026-0000001",  # padded beyond six digits: would not code back to itself
        "IPL-2026-00001",
        "ipl-2026-000001",
        "IPL-0999-000001",
        "IPL-2026-000001 ",
        "IPL-2026-\u0660\u0660\u0660\u0660\u0660\u0661",  # digits, but not ASCII ones
        "IPL-2026-" + "9" * 15,
        "DEMO-1",
    ],
)
def test_any_other_id_has_no_exact_code(entry_id: str) -> None:
    assert entry_code(entry_id) == 0


def test_an_event_and_its_revision_share_one_word() -> None:
    for event in ("listed", "amended", "removed"):
        assert unpack_mark(pack_mark(event, 2**53 - 1)) == (event, 2**53 - 1)
    assert pack_mark("removed", 1) != NO_EVENT


def test_fingerprints_depend_on_a_fresh_secret() -> None:
    one, other = new_secret(), new_secret()
    assert one != other
    assert fingerprint(one, b"leaf") == fingerprint(one, b"leaf")
    assert fingerprint(one, b"leaf") != fingerprint(other, b"leaf")
    assert fingerprint(one, b"leaf") != fingerprint(one, b"leaf ")


def test_an_entrys_events_are_found_in_log_order() -> None:
    leaves = index_of(
        [
            ("listed", "IPL-2026-000001", 1, content("a1")),
            ("listed", "IPL-2026-000002", 1, content("b1")),
            None,
        ],
        [
            ("amended", "IPL-2026-000001", 2, content("a2")),
            ("removed", "IPL-2026-000001", 2, content("a2")),  # the same content again
        ],
    )

    assert leaves.finish() == []
    events = leaves.events_of(entry_code("IPL-2026-000001"))
    assert list(events) == [0, 3, 4]
    assert leaves.state(events[-1]) == ("removed", 2)
    assert leaves.first_with(events, 2) == 3
    assert leaves.first_with(events, 3) is None
    assert list(leaves.events_of(entry_code("IPL-2026-000002"))) == [1]
    assert list(leaves.events_of(entry_code("IPL-2026-000003"))) == []
    assert leaves.anchors == 1


def test_a_revision_given_a_second_content_is_named_at_each_later_event() -> None:
    leaves = index_of(
        [
            ("listed", "IPL-2026-000001", 1, content("a1")),
            ("listed", "IPL-2026-000002", 1, content("b1")),
            ("amended", "IPL-2026-000001", 1, content("other")),
        ],
        [
            ("removed", "IPL-2026-000001", 1, content("a1")),
            ("amended", "IPL-2026-000001", 1, content("yet another")),
            ("amended", "IPL-2026-000002", 2, content("b2")),
        ],
    )

    assert leaves.finish() == [(2, "IPL-2026-000001", 1), (4, "IPL-2026-000001", 1)]
    # The revision keeps the content its first event recorded.
    events = leaves.events_of(entry_code("IPL-2026-000001"))
    first = leaves.first_with(events, 1)
    assert first == 0
    assert leaves.contents[first] == fingerprint(SECRET, content("a1").encode())


def test_a_snapshot_line_passes_on_the_latest_revision_and_its_first_content() -> None:
    def fingerprint_of(label: str) -> int:
        return fingerprint(SECRET, content(label).encode())

    leaves = index_of(
        [
            ("listed", "IPL-2026-000001", 1, content("a1")),
            ("listed", "IPL-2026-000002", 1, content("b1")),
            ("amended", "IPL-2026-000002", 2, content("b2")),
            ("listed", "IPL-2026-000003", 1, content("c1")),
            ("removed", "IPL-2026-000003", 1, content("c1")),
            ("amended", "IPL-2026-000001", 1, content("a1 again")),
        ]
    )
    leaves.finish()
    one, two, three = (entry_code(f"IPL-2026-00000{n}") for n in (1, 2, 3))

    assert leaves.lists(one, 1, fingerprint_of("a1"))
    assert not leaves.lists(one, 1, fingerprint_of("a1 again"))  # the first content holds
    assert leaves.lists(two, 2, fingerprint_of("b2"))
    assert not leaves.lists(two, 1, fingerprint_of("b1"))  # not the latest revision
    assert not leaves.lists(two, 2, fingerprint_of("b1"))
    assert not leaves.lists(three, 1, fingerprint_of("c1"))  # removed
    assert not leaves.lists(entry_code("IPL-2026-000004"), 1, fingerprint_of("a1"))


def test_entries_sharing_a_bucket_keep_their_own_events() -> None:
    # Codes equal in their low bits all land in one bucket; the search there is exact.
    count = 3 * BUCKET_EVENTS
    ids = [f"IPL-2026-{number * 4096:06d}" for number in range(1, count + 1)]
    events: list[Event] = [("listed", entry_id, 1, content(entry_id)) for entry_id in ids]
    leaves = index_of(events, [("amended", ids[7], 2, content("amended"))])

    assert leaves.finish() == []
    for seq, entry_id in enumerate(ids):
        expected = [seq, count] if seq == 7 else [seq]
        assert list(leaves.events_of(entry_code(entry_id))) == expected
        assert leaves.lists(
            entry_code(entry_id), 1, fingerprint(SECRET, content(entry_id).encode())
        ) == (seq != 7)


def test_ids_of_another_form_are_numbered_apart() -> None:
    leaves = index_of(
        [
            ("listed", "DEMO-1", 1, content("d1")),
            ("listed", "IPL-2026-000001", 1, content("a1")),
            ("amended", "DEMO-1", 2, content("d2")),
            ("listed", "DEMO-2", 1, content("e1")),
        ]
    )
    leaves.finish()

    demo = leaves.other_code("DEMO-1")
    assert demo not in (0, leaves.other_code("DEMO-2"), entry_code("IPL-2026-000001"))
    assert list(leaves.events_of(demo)) == [0, 2]
    assert leaves.entry_id(demo) == "DEMO-1"
    assert leaves.other_code("DEMO-3") == 0
    assert list(leaves.events_of(0)) == []  # no event has code 0, anchors included


def test_an_empty_log_indexes_nothing() -> None:
    leaves = LeafIndex(SECRET)
    assert leaves.finish() == []
    assert list(leaves.events_of(entry_code("IPL-2026-000001"))) == []


def test_the_delta_leaves_are_kept_from_the_first_it_repeats() -> None:
    leaf_bytes = [b"leaf %d" % seq for seq in range(4)]
    events: list[Event] = [
        ("listed", f"IPL-2026-{seq + 1:06d}", 1, content(str(seq))) for seq in range(4)
    ]
    leaves = LeafIndex(SECRET, keep_from=2)
    leaves.add(tile(events, leaf_bytes, keep_from=2))

    assert leaves.kept == array("Q", [fingerprint(SECRET, leaf) for leaf in leaf_bytes[2:]])
    assert leaves.kept_print(1) is None
    assert leaves.kept_print(3) == fingerprint(SECRET, b"leaf 3")
    assert leaves.kept_print(4) is None


def test_the_logged_content_is_read_again_and_checked() -> None:
    digest = content("a1")
    leaf = b'{"content_sha256":"%s","entry_id":"IPL-2026-000001"}' % digest.encode()
    reads = {0: leaf}
    leaves = LeafIndex(SECRET, read_leaf=reads.get)
    leaves.add(tile([("listed", "IPL-2026-000001", 1, digest)]))

    assert leaves.logged_content(0) == digest
    reads[0] = leaf.replace(digest.encode(), content("other").encode())
    assert leaves.logged_content(0) is None  # the log reads otherwise now
    del reads[0]
    assert leaves.logged_content(0) is None


def test_marks_take_32_bits_until_a_revision_needs_more() -> None:
    big = 2**31
    leaves = index_of(
        [("listed", "IPL-2026-000001", 1, content("a1"))],
        [("amended", "IPL-2026-000001", big, content("a2")), None],
    )
    assert leaves.marks.typecode == "Q"
    assert [leaves.state(seq) for seq in (0, 1)] == [("listed", 1), ("amended", big)]
    assert leaves.marks[2] == NO_EVENT
    leaves.finish()
    one = entry_code("IPL-2026-000001")
    assert leaves.lists(one, big, fingerprint(SECRET, content("a2").encode()))

    small = index_of([("listed", "IPL-2026-000001", 2**30 - 1, content("a1"))])
    assert small.marks.typecode == "I"
    assert small.state(0) == ("listed", 2**30 - 1)

"""The screening index file: mapped read-only, it answers exactly as the index built in memory."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.errors import InvalidValue
from registry.screening.matching import ListedName, MatchIndex, ScreeningQuery, index_file
from registry.screening.matching.blocking import every_key
from registry.screening.matching.index_file import (
    FORMAT_VERSION,
    IndexFile,
    _offsets,
    key_hash,
    write_index_file,
    write_index_file_over,
)
from registry.screening.matching.score import IndexedRecord
from registry.screening.matching.stored_records import record_from_json, record_json
from registry.screening.shared_index import SharedIndex
from tests.registry.screening.numbered_names import numbered_names

LISTED = [
    ListedName(
        "E1",
        "legal_person",
        "深圳市华兴科技有限公司",
        latin="Shenzhen Huaxing Keji",
        identifiers=(("cn_uscc", "91440300MA5FXXXX1X"),),
        region="440300",
    ),
    ListedName("E2", "legal_person", "福州瑞达电子有限公司", region="350100"),
    ListedName("E3", "natural_person", "张伟", identifiers=(("cn_ric", "110101199003077777"),)),
    ListedName("E4", "legal_person", "Nordlicht Optics GmbH", aliases=("Nordlicht Optik",)),
    ListedName("E5", "legal_person", "杭州华美电子有限公司", region="330100"),
]
QUERIES = [
    ScreeningQuery(name="深圳华星科技"),
    ScreeningQuery(name="兴华科技有限公司"),
    ScreeningQuery(name="shenzhen hua xing"),
    ScreeningQuery(name="Nordlict Optics"),
    ScreeningQuery(name="瑞达电子", region="350100"),
    ScreeningQuery(identifiers=(("cn_ric", "110101199003077777"),)),
    ScreeningQuery(name="张伟", kind="natural_person"),
    ScreeningQuery(name="完全无关的名字"),
]


def _write(path: Path, listed: list[ListedName], stamp: str = "1") -> None:
    records = [IndexedRecord.from_listed(item) for item in listed]
    write_index_file(path, records, list(range(len(records))), stamp)


def _answers(index: MatchIndex) -> list[list[dict[str, object]]]:
    return [[m.as_dict() for m in found] for found in index.screen_many(QUERIES, threshold=0.5)]


def test_a_mapped_index_answers_as_the_index_built_in_memory(tmp_path: Path) -> None:
    path = tmp_path / "screening.index"
    _write(path, LISTED)
    mapped = MatchIndex.from_file(IndexFile(path))
    built = MatchIndex.build(LISTED)
    assert len(mapped) == len(built) == 5
    assert _answers(mapped) == _answers(built)
    assert any(found for found in _answers(mapped))


@pytest.mark.parametrize(
    ("regions", "sector", "expected"),
    [
        (frozenset({"440300"}), [], {"E1"}),
        (frozenset({"440000"}), [], {"E1"}),  # a province holds its cities
        (frozenset({"440305"}), [], {"E1"}),  # a district lies within the city
        (frozenset(), ["dianzi"], {"E2", "E5"}),
        (frozenset({"330100"}), ["dianzi"], {"E5"}),
        (frozenset({"110000"}), [], set()),
    ],
)
def test_place_and_industry_words_find_the_same_entries(
    tmp_path: Path, regions: frozenset[str], sector: list[str], expected: set[str]
) -> None:
    path = tmp_path / "screening.index"
    _write(path, LISTED)
    assert MatchIndex.from_file(IndexFile(path)).entries_in(regions, sector) == expected
    assert MatchIndex.build(LISTED).entries_in(regions, sector) == expected


def test_a_file_that_is_not_an_index_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "screening.index"
    path.write_bytes(b"not an index at all")
    with pytest.raises(InvalidValue, match="not a screening index file"):
        IndexFile(path)


def test_one_stamp_per_record_is_required(tmp_path: Path) -> None:
    records = [IndexedRecord.from_listed(item) for item in LISTED]
    with pytest.raises(InvalidValue, match="one stamp per record"):
        write_index_file(tmp_path / "screening.index", records, [1], "1")


def test_the_file_is_private_and_written_whole(tmp_path: Path) -> None:
    path = tmp_path / "screening.index"
    _write(path, LISTED)
    assert os.stat(path).st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["screening.index"]


def test_a_worker_maps_the_newer_file_once_it_replaces_the_old(tmp_path: Path) -> None:
    path = tmp_path / "screening.index"
    shared = SharedIndex(path)
    assert shared.current() is None
    _write(path, LISTED[:2], stamp="2")
    first = shared.current()
    assert first is not None and first.count == 2
    assert shared.current() is first  # mapped once, not per request
    _write(path, LISTED, stamp="5")
    second = shared.current()
    assert second is not first and second is not None and second.count == 5
    old = MatchIndex.from_file(first)  # the replaced file stays readable while in use
    assert [m.entry_id for m in old.screen(ScreeningQuery(name="瑞达电子"))] == ["E2"]


def test_a_record_may_carry_fields_a_reader_does_not_know() -> None:
    record = (
        b'{"entry_id":"E9","kind":"natural_person","name":"\xe7\x8e\x8b\xe8\x8a\xb3","latin":null,'
        b'"aliases":[],"identifiers":[],"region":null,"relation":"legal_representative",'
        b'"forms":[["name","\xe7\x8e\x8b\xe8\x8a\xb3",[true,[],"\xe7\x8e\x8b\xe8\x8a\xb3",'
        b'"\xe7\x8e\x8b\xe8\x8a\xb3","",["wang","fang"],["wang","fang"],[],"",true]]]}'
    )
    decoded = record_from_json(record)
    assert decoded.listed.entry_id == "E9"
    assert decoded.forms[0][2].person is True


def test_a_file_of_another_format_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "screening.index"
    listed = ListedName("IPL-1", "legal_person", "深圳市华兴科技有限公司")
    write_index_file(path, [IndexedRecord.from_listed(listed)], [1], "s")
    data = path.read_bytes()
    old = data.replace(b'"version": %d' % FORMAT_VERSION, b'"version": 1', 1)
    assert old != data
    path.write_bytes(old)
    with pytest.raises(InvalidValue, match="has format 1"):
        IndexFile(path)


def test_a_worker_treats_a_file_of_another_format_as_no_file(tmp_path: Path) -> None:
    path = tmp_path / "screening.index"
    _write(path, LISTED[:2], stamp="2")
    path.write_bytes(
        path.read_bytes().replace(b'"version": %d' % FORMAT_VERSION, b'"version": 1', 1)
    )
    shared = SharedIndex(path)
    assert shared.current() is None  # the state is indexed in memory instead
    _write(path, LISTED, stamp="5")  # the publisher's next run
    replaced = shared.current()
    assert replaced is not None and replaced.count == 5


def test_a_file_written_over_an_old_one_is_the_file_written_from_scratch(tmp_path: Path) -> None:
    old_path, over, scratch = (tmp_path / name for name in ("old", "over", "scratch"))
    _write(old_path, LISTED[:4])  # stamps 0..3 by position
    old = IndexFile(old_path)
    renamed = ListedName("E2", "legal_person", "福州瑞丰电子有限公司", region="350100")
    # E1 gone, E2 changed, E3 and E4 kept (old positions 2 and 3), E5 new.
    wanted = [renamed, LISTED[2], LISTED[3], LISTED[4]]
    stamps = [10, 2, 3, 11]
    sources: list[int | IndexedRecord] = [
        IndexedRecord.from_listed(renamed),
        2,
        3,
        IndexedRecord.from_listed(LISTED[4]),
    ]
    write_index_file_over(over, old, sources, stamps, "2")
    records = [IndexedRecord.from_listed(item) for item in wanted]
    write_index_file(scratch, records, stamps, "2")
    assert over.read_bytes() == scratch.read_bytes()
    assert _answers(MatchIndex.from_file(IndexFile(over))) == _answers(MatchIndex.build(wanted))


def test_a_file_written_over_an_old_one_may_drop_every_record(tmp_path: Path) -> None:
    _write(tmp_path / "old", LISTED)
    write_index_file_over(tmp_path / "over", IndexFile(tmp_path / "old"), [], [], "3")
    write_index_file(tmp_path / "scratch", [], [], "3")
    assert (tmp_path / "over").read_bytes() == (tmp_path / "scratch").read_bytes()
    assert IndexFile(tmp_path / "over").count == 0


NUMBERED = numbered_names(12)


@pytest.mark.parametrize("listed", [LISTED, LISTED + NUMBERED], ids=["names", "numbered names"])
def test_every_key_finds_the_positions_of_the_index_built_in_memory(
    tmp_path: Path, listed: list[ListedName]
) -> None:
    path = tmp_path / "screening.index"
    _write(path, listed)
    records = [IndexedRecord.from_listed(item) for item in listed]
    expected: dict[str, list[int]] = {}
    for position, record in enumerate(records):
        for key in every_key(record):
            expected.setdefault(key, []).append(position)
    found = IndexFile(path).lookup([*expected, "hnot-a-key"])
    assert {key: list(positions) for key, positions in found.items()} == expected
    # Most keys name one record (kept beside their hash), the others a list.
    assert any(len(positions) == 1 for positions in expected.values())
    assert any(len(positions) > 1 for positions in expected.values())


def test_keys_are_filed_under_their_xxh3_64_hash(tmp_path: Path) -> None:
    # XXH3-64 of the empty input (seed 0), a test vector of the xxHash specification: another
    # implementation of XXH3 finds the file's keys.
    assert key_hash("") == 0x2D06800538D394C2
    path = tmp_path / "screening.index"
    _write(path, LISTED)
    keys = set().union(*(every_key(IndexedRecord.from_listed(item)) for item in LISTED))
    hashes, _positions = IndexFile(path).postings()
    assert set(hashes.tolist()) == {key_hash(key) for key in keys}
    assert len(hashes) >= len(keys)


def test_records_are_stored_deflated_and_decode_to_the_records_written(tmp_path: Path) -> None:
    path = tmp_path / "screening.index"
    _write(path, LISTED)
    mapped = IndexFile(path)
    records = [IndexedRecord.from_listed(item) for item in LISTED]
    assert list(mapped.records()) == records
    for position, record in enumerate(records):
        assert len(mapped.stored_record(position)) < len(record_json(record)) / 2


def test_records_of_a_file_deflated_with_another_dictionary_are_deflated_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old_path, over, scratch = (tmp_path / name for name in ("old", "over", "scratch"))
    with monkeypatch.context() as patched:
        patched.setattr(index_file, "record_dictionary", lambda: b'{"entry_id":"E"}')
        _write(old_path, LISTED[:3])
    old = IndexFile(old_path)
    assert old.dictionary == b'{"entry_id":"E"}'
    write_index_file_over(over, old, [0, 1, 2], [0, 1, 2], "2")
    _write(scratch, LISTED[:3], stamp="2")
    assert over.read_bytes() == scratch.read_bytes()


def test_offsets_are_32_bit_until_they_pass_4_gib() -> None:
    assert _offsets(np.array([3, 4])).tolist() == [0, 3, 7]
    assert _offsets(np.array([3, 4])).dtype == np.dtype("<u4")
    assert _offsets(np.array([2**31, 2**31])).dtype == np.dtype("<u8")
    assert _offsets(np.array([2**31, 2**31]))[-1] == 2**32


# Any characters, well within a name's length (MAX_NAME_LENGTH, 300).
_ANY_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=100)


@given(name=_ANY_TEXT, latin=_ANY_TEXT)
@settings(max_examples=300, deadline=None)
def test_a_record_is_encoded_as_the_standard_library_would(name: str, latin: str) -> None:
    # A file written over an old one keeps the old records' bytes and is the file written from
    # scratch: records are encoded as they were before orjson encoded them. Any characters, after
    # a name's own (a name cleaned of them all would be refused).
    listed = ListedName(
        "E1", "legal_person", "华兴" + name, latin="Huaxing " + latin, aliases=("华兴" + name,)
    )
    raw = record_json(IndexedRecord.from_listed(listed))
    decoded = json.loads(raw)
    assert raw == json.dumps(decoded, ensure_ascii=False, separators=(",", ":")).encode()

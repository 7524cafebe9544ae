"""The index file written in parts (spilled postings, names parsed over processes) is the file
written at once: the same bytes as when every posting is held and sorted in one go."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bench.screening_data import generate_benchmark
from registry.errors import InvalidValue
from registry.screening.matching import ListedName, index_file
from registry.screening.matching.blocking import every_key
from registry.screening.matching.index_file import (
    _ALIGN,
    FORMAT_VERSION,
    MAGIC,
    IndexFile,
    _offsets,
    key_hash,
    write_index_file_over,
    write_index_names,
    write_index_records,
)
from registry.screening.matching.score import IndexedRecord
from registry.screening.matching.stored_records import encode_record, record_dictionary
from tests.registry.screening.numbered_names import numbered_names

NUMBERED = numbered_names(40)
OTHERS = [
    ListedName("E1", "legal_person", "深圳市华兴科技有限公司", latin="Shenzhen Huaxing Keji"),
    ListedName("E2", "natural_person", "张伟", identifiers=(("cn_ric", "110101199003077777"),)),
    ListedName("E3", "legal_person", "Nordlicht Optics GmbH", aliases=("Nordlicht Optik",)),
    ListedName("E4", "legal_person", "Paxhof Maschinenbau AG"),
    ListedName("E5", "legal_person", "温州鑫达鞋业有限公司", region="330300"),
]


@pytest.fixture(scope="module")
def listed() -> list[ListedName]:
    """A few thousand names: Chinese enterprises, foreign companies, persons, numbered names."""
    return generate_benchmark(2500, 10, seed=11).listed + NUMBERED + OTHERS


@pytest.fixture(scope="module")
def records(listed: list[ListedName]) -> list[IndexedRecord]:
    return [IndexedRecord.from_listed(item) for item in listed]


def _written_at_once(
    path: Path, records: Sequence[IndexedRecord], stamps: Sequence[int], file_stamp: str
) -> None:
    """The file as written with every posting held and sorted at once (format 5's layout)."""
    dictionary = record_dictionary()
    hashes, positions, parts = [], [], []
    for position, record in enumerate(records):
        for key in every_key(record):
            hashes.append(key_hash.__wrapped__(key))
            positions.append(position)
        parts.append(encode_record(record, dictionary))
    all_hashes = np.array(hashes, dtype="<u8")
    all_positions = np.array(positions, dtype="<i4")
    order = np.lexsort((all_positions, all_hashes))
    unique, firsts, counts = np.unique(all_hashes[order], return_index=True, return_counts=True)
    ordered = all_positions[order]
    single = counts == 1
    arrays: dict[str, Any] = {
        "single_hashes": unique[single].astype("<u8"),
        "single_positions": ordered[firsts[single]].astype("<i4"),
        "list_hashes": unique[~single].astype("<u8"),
        "list_starts": _offsets(counts[~single]),
        "positions": ordered[np.repeat(~single, counts)].astype("<i4"),
        "record_starts": _offsets(np.array([len(part) for part in parts], dtype=np.int64)),
        "records": np.frombuffer(b"".join(parts), dtype="u1"),
        "record_dictionary": np.frombuffer(dictionary, dtype="u1"),
        "stamps": np.asarray(stamps, dtype="<u8"),
    }
    layout, offset = {}, 0
    for name, values in arrays.items():
        layout[name] = [offset, values.dtype.str, int(values.size)]
        offset += -(-values.nbytes // _ALIGN) * _ALIGN
    meta = {"version": FORMAT_VERSION, "count": len(records), "stamp": file_stamp}
    header = json.dumps({**meta, "arrays": layout}).encode()
    header += b" " * (-(len(header) + 16) % _ALIGN)
    with path.open("wb") as out:
        out.write(MAGIC + len(header).to_bytes(8, "little") + header)
        for values in arrays.values():
            out.write(values.tobytes() + b"\0" * (-values.nbytes % _ALIGN))


@pytest.fixture
def in_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Small jobs and small spills, so a few thousand names take every path of the writer."""
    monkeypatch.setattr(index_file, "JOB_NAMES", 200)
    monkeypatch.setattr(index_file, "SPILL_POSTINGS", 20_000)


def test_the_names_hold_every_kind_of_key(records: list[IndexedRecord]) -> None:
    assert any(record.listed.kind == "natural_person" for record in records)
    assert any(record.has_han for record in records)
    assert any(not record.has_han for record in records)  # foreign: keys two slips away
    assert max(len(set(every_key(record))) for record in records) > 150


@pytest.mark.usefixtures("in_parts")
def test_names_parsed_over_processes_and_spilled_give_the_file_written_at_once(
    tmp_path: Path, listed: list[ListedName], records: list[IndexedRecord]
) -> None:
    stamps = list(range(1000, 1000 + len(listed)))
    _written_at_once(tmp_path / "at-once", records, stamps, "7")
    assert write_index_names(tmp_path / "parts", iter(listed), stamps, "7", workers=2) == len(
        listed
    )
    assert (tmp_path / "parts").read_bytes() == (tmp_path / "at-once").read_bytes()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["at-once", "parts"]


@pytest.mark.parametrize("spill", [20_000, 1 << 21], ids=["spilled", "held"])
def test_records_written_in_one_process_give_the_file_written_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, records: list[IndexedRecord], spill: int
) -> None:
    monkeypatch.setattr(index_file, "SPILL_POSTINGS", spill)
    stamps = [position * 7 for position in range(len(records))]
    _written_at_once(tmp_path / "at-once", records, stamps, "s")
    write_index_records(tmp_path / "one", iter(records), stamps, "s")
    assert (tmp_path / "one").read_bytes() == (tmp_path / "at-once").read_bytes()


@pytest.mark.usefixtures("in_parts")
def test_a_file_written_over_an_old_one_in_parts_is_the_file_written_at_once(
    tmp_path: Path, listed: list[ListedName], records: list[IndexedRecord]
) -> None:
    old_path = tmp_path / "old"
    write_index_records(old_path, records[:1500], list(range(1500)), "1")
    old = IndexFile(old_path)
    # Every third old record gone, the rest kept in order, then 1,000 names to parse.
    kept = [position for position in range(1500) if position % 3]
    sources: list[int | IndexedRecord | ListedName] = [*kept, *listed[1500:2500]]
    wanted = [records[position] for position in kept] + records[1500:2500]
    stamps = list(range(len(sources)))
    write_index_file_over(tmp_path / "over", old, sources, stamps, "2", workers=2)
    _written_at_once(tmp_path / "at-once", wanted, stamps, "2")
    assert (tmp_path / "over").read_bytes() == (tmp_path / "at-once").read_bytes()


def test_the_old_postings_in_parts_are_every_posting(
    tmp_path: Path, records: list[IndexedRecord]
) -> None:
    path = tmp_path / "screening.index"
    write_index_records(path, records[:600], list(range(600)), "1")
    file = IndexFile(path)
    parts = list(file.postings_in_parts(100))
    assert len(parts) > 2
    hashes = np.concatenate([part[0] for part in parts])
    positions = np.concatenate([part[1] for part in parts])
    whole_hashes, whole_positions = file.postings()
    assert hashes.tolist() == whole_hashes.tolist()
    assert positions.tolist() == whole_positions.tolist()


@pytest.mark.usefixtures("in_parts")
def test_a_failed_write_leaves_no_scratch_files(
    tmp_path: Path, records: list[IndexedRecord]
) -> None:
    with pytest.raises(InvalidValue, match="one stamp per record"):
        write_index_records(tmp_path / "screening.index", iter(records), [1, 2], "1")
    assert list(tmp_path.iterdir()) == []

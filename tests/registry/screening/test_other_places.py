"""Screening: a query naming a place leaves unread the records whose names all name another."""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from bench.screening_data import generate_benchmark
from bench.screening_subjects import generate_subjects
from registry.screening.matching import (
    DEFAULT_THRESHOLD,
    ListedName,
    MatchIndex,
    ScreeningMatch,
    ScreeningQuery,
    index,
)
from registry.screening.matching.blocking import NO_PLACE_KEY, every_key, places_keyed
from registry.screening.matching.forms import parse_name
from registry.screening.matching.index_file import IndexFile, write_index_names
from registry.screening.matching.score import IndexedRecord
from registry.screening.matching.similarity import OTHER_PLACE_CEILING

CITIES = {
    "440300": "深圳市",
    "440100": "广州市",
    "330100": "杭州市",
    "310000": "上海市",
    "320500": "苏州市",
    "350100": "福州市",
    "420100": "武汉市",
    "510100": "成都市",
}


def _huaxing_everywhere() -> list[ListedName]:
    listed = [
        ListedName(f"IPL-2026-{number:06d}", "legal_person", f"{city}华兴科技有限公司", region=code)
        for number, (code, city) in enumerate(CITIES.items(), start=1)
    ]
    # A subject whose names hold no place, and one in a district of Shenzhen (南山区).
    listed.append(ListedName("IPL-2026-000100", "legal_person", "华兴科技有限公司"))
    listed.append(
        ListedName("IPL-2026-000101", "legal_person", "深圳华兴科技有限公司", region="440305")
    )
    return listed


class _Counted(Sequence[IndexedRecord]):
    """An index's records, counting which positions were read."""

    def __init__(self, records: Sequence[IndexedRecord]) -> None:
        self.records = records
        self.read: set[int] = set()

    def __len__(self) -> int:
        return len(self.records)

    def __getitem__(self, position: int) -> IndexedRecord:  # type: ignore[override]
        self.read.add(position)
        return self.records[position]

    def __iter__(self) -> Iterator[IndexedRecord]:
        return iter(self.records)


def _entry_ids(matches: list[ScreeningMatch]) -> list[str]:
    return [match.entry_id for match in matches]


def test_records_of_other_places_are_not_read_for_a_query_naming_a_place() -> None:
    built = MatchIndex.build(_huaxing_everywhere())
    counted = _Counted(built._records)
    built._records = counted
    found = built.screen(ScreeningQuery("深圳市华兴科技有限公司"))
    read = {counted.records[position].listed.entry_id for position in counted.read}
    # Shenzhen's own, the one of a district within it, and the one naming no place.
    assert read == {"IPL-2026-000001", "IPL-2026-000100", "IPL-2026-000101"}
    assert _entry_ids(found) == ["IPL-2026-000001", "IPL-2026-000100", "IPL-2026-000101"]


def test_a_lower_threshold_or_an_identifier_reads_every_candidate() -> None:
    listed = _huaxing_everywhere()
    built = MatchIndex.build(listed)
    counted = _Counted(built._records)
    built._records = counted
    built.screen(ScreeningQuery("深圳市华兴科技有限公司"), threshold=OTHER_PLACE_CEILING)
    assert len(counted.read) == len(listed)
    counted.read.clear()
    # An identifier may decide a match whatever the names: every candidate is scored.
    uscc = ("cn_uscc", "91440300MA5F8AXK4B")
    built.screen(ScreeningQuery("深圳市华兴科技有限公司", identifiers=(uscc,)))
    assert len(counted.read) == len(listed)


def test_a_place_the_table_does_not_know_reads_every_candidate(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 慈溪市 is not in the division table: its code ("?cixi") is compatible by prefix with
    # other unknown places, which the place keys do not all reach.
    unknown = parse_name("慈溪市华兴科技有限公司").regions
    assert unknown and not places_keyed(unknown)
    assert places_keyed(parse_name("深圳市华兴科技有限公司").regions)
    built = MatchIndex.build(_huaxing_everywhere())
    counted = _Counted(built._records)
    built._records = counted
    built.screen(ScreeningQuery("慈溪市华兴科技有限公司"))
    read = set(counted.read)
    counted.read.clear()
    monkeypatch.setattr(index, "OTHER_PLACE_CEILING", 1.0)  # every candidate read
    built.screen(ScreeningQuery("慈溪市华兴科技有限公司"))
    assert read == counted.read and len(read) > 3


def test_a_record_of_no_place_is_filed_under_its_key() -> None:
    placeless, shenzhen = (
        IndexedRecord.from_listed(listed) for listed in _huaxing_everywhere()[-2:]
    )
    assert NO_PLACE_KEY in every_key(placeless)
    assert NO_PLACE_KEY not in every_key(shenzhen)


def _answers(
    matcher: MatchIndex, queries: list[ScreeningQuery], threshold: float
) -> list[list[tuple[str, float, tuple[object, ...]]]]:
    return [
        [(match.entry_id, match.score, match.features) for match in found]
        for found in matcher.screen_many(queries, threshold=threshold, limit=25)
    ]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[ListedName], Path]:
    # Generated subjects of many places (most named in their names), a file of them.
    _world, _enterprises, listed = generate_subjects(3000, random.Random(5))
    path = tmp_path_factory.mktemp("places") / "subjects.index"
    write_index_names(path, listed, range(len(listed)), "places")
    return listed, path


@pytest.mark.parametrize("threshold", [0.5, 0.71, DEFAULT_THRESHOLD, 0.9])
def test_answers_are_those_of_every_candidate_read(
    generated: tuple[list[ListedName], Path],
    threshold: float,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    listed, path = generated
    rng = random.Random(9)
    queries = [ScreeningQuery(subject.name) for subject in rng.sample(listed, 300)]
    # The same trade names with another city's prefix, and names never listed.
    queries += [
        ScreeningQuery(rng.choice(list(CITIES.values())) + subject.name[3:])
        for subject in rng.sample(listed, 300)
        if subject.kind == "legal_person"
    ]
    queries += [
        ScreeningQuery(subject.name) for subject in generate_subjects(300, random.Random(6))[2]
    ]
    queries += [labeled.query for labeled in generate_benchmark(400, 300).queries]
    in_memory, mapped = MatchIndex.build(listed), MatchIndex.from_file(IndexFile(path))
    left_unread = _answers(in_memory, queries, threshold), _answers(mapped, queries, threshold)
    monkeypatch.setattr(index, "OTHER_PLACE_CEILING", 1.0)  # every candidate read
    every = _answers(in_memory, queries, threshold), _answers(mapped, queries, threshold)
    assert left_unread == every
    assert sum(map(bool, every[0])) > 300

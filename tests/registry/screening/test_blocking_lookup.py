"""Blocking looks up fewer keys of a new name and keeps a file's answers: the same candidates."""

from __future__ import annotations

from array import array
from collections.abc import Iterable
from pathlib import Path

import pytest

from registry.screening.matching import ListedName, MatchIndex, ScreeningQuery, blocking, parse_name
from registry.screening.matching.blocking import (
    Blocker,
    DictPostings,
    KeptPostings,
    _lookup_keys,
    every_key,
)
from registry.screening.matching.index_file import IndexFile, write_index_file
from registry.screening.matching.score import IndexedRecord

LISTED = [
    ListedName("E1", "legal_person", "深圳市华兴科技有限公司", latin="Shenzhen Huaxing Keji"),
    ListedName("E2", "legal_person", "深圳市华星电子有限公司"),
    ListedName("E3", "legal_person", "广州兴华科技有限公司"),
    ListedName("E4", "legal_person", "Nordwind Optics GmbH"),
    ListedName("E5", "legal_person", "Nordwind Precision Instruments AG"),
    ListedName("E6", "natural_person", "王伟"),
    ListedName("E7", "legal_person", "杭州华兴达贸易有限公司"),
]
QUERIES = [
    "深圳市华兴科技有限公司",
    "华星科技",
    "兴华科技有限公司",
    "华兴达商贸",
    "Nordwnd Optics",
    "Nordwind Optiks GmbH",
    "Huaxing Keji",
    "王玮",
    "上海明远机械设备有限公司",
]


class CountingPostings:
    """Postings in memory that count the keys they are asked for."""

    def __init__(self, postings: dict[str, array[int]]) -> None:
        self._postings = postings
        self.asked: list[str] = []

    def get_many(self, keys: Iterable[str]) -> dict[str, array[int]]:
        keys = list(keys)
        self.asked += keys
        return {key: self._postings[key] for key in keys if key in self._postings}


def _postings() -> dict[str, array[int]]:
    postings: dict[str, array[int]] = {}
    for position, listed in enumerate(LISTED):
        for key in every_key(IndexedRecord.from_listed(listed)):
            postings.setdefault(key, array("i")).append(position)
    return postings


def test_a_key_with_the_industry_words_is_filed_only_with_its_base_key() -> None:
    # What lets a blocker look such a key up only after its base key was found.
    for listed in LISTED:
        keys = every_key(IndexedRecord.from_listed(listed))
        for key in keys:
            if "/" in key and key.startswith(blocking._WITH_INDUSTRY):
                assert key[0].lower() + key[1 : key.index("/")] in keys


def test_keys_with_the_industry_words_wait_for_their_base_key() -> None:
    families, first, deferred = _lookup_keys(parse_name("深圳市华兴科技有限公司"))
    every = set().union(*(plain | typo for plain, typo in families))
    assert deferred, "a name with an industry word has sound keys with it"
    assert {key for key, _ in deferred} | set(first) == every
    assert all(base in first for _, base in deferred)
    assert not {key for key, _ in deferred} & set(first)


def test_a_name_sharing_no_base_key_looks_up_no_industry_key() -> None:
    counting = CountingPostings(_postings())
    blocker = Blocker(counting, len(LISTED))
    form = parse_name("上海明远机械设备有限公司")
    _, first, deferred = _lookup_keys(form)
    blocker.candidates(form)
    assert deferred
    assert set(counting.asked) <= set(first)


def test_candidates_are_those_of_every_key_looked_up_at_once() -> None:
    postings = _postings()
    blocker = Blocker(DictPostings(postings), len(LISTED))
    for name in QUERIES:
        form = parse_name(name)
        families, first, deferred = _lookup_keys(form)
        every = (*first, *(key for key, _ in deferred))
        found = {key: postings[key] for key in every if key in postings}
        expected = [
            position
            for plain, typo in families
            for position in blocker._best_sharing(plain, typo, found)
        ]
        assert blocker.candidates(form) == expected, name


def test_kept_answers_are_the_file_answers_and_not_asked_again() -> None:
    counting = CountingPostings(_postings())
    kept = KeptPostings(counting)
    keys = list(_lookup_keys(parse_name("深圳市华兴科技有限公司"))[1])
    first = kept.get_many(keys)
    asked = len(counting.asked)
    again = kept.get_many(keys)
    assert len(counting.asked) == asked  # every answer, found or not, was kept
    assert {key: list(plist) for key, plist in again.items()} == {
        key: list(plist) for key, plist in first.items()
    }
    assert first, "the listed name's own keys are found"


def test_kept_answers_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(blocking, "KEPT_KEYS", 40)
    kept = KeptPostings(CountingPostings(_postings()))
    for name in QUERIES:
        kept.get_many(_lookup_keys(parse_name(name))[1])
        assert len(kept._kept) <= max(40, len(_lookup_keys(parse_name(name))[1]))


def test_a_mapped_index_answers_alike_when_its_answers_are_kept(tmp_path: Path) -> None:
    records = [IndexedRecord.from_listed(listed) for listed in LISTED]
    path = tmp_path / "screening.index"
    write_index_file(path, records, list(range(len(records))), "stamp")
    file = IndexFile(path)
    mapped = MatchIndex.from_file(file)
    built = MatchIndex.build(LISTED)
    queries = [ScreeningQuery(name=name) for name in QUERIES]
    expected = built.screen_many(queries, threshold=0.5)
    assert any(expected)
    for _ in range(2):  # the second time from the kept answers
        assert mapped.screen_many(queries, threshold=0.5) == expected
    del mapped
    file.close()  # nothing kept holds on to the mapping

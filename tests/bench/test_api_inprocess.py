"""The in-process screening benchmark's list of generated subjects: written once, then reused."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import api_inprocess
from bench.api_inprocess import fresh_bodies, fresh_queries, listed_index


def test_the_generated_list_is_written_once_and_holds_every_subject(tmp_path: Path) -> None:
    index = listed_index(tmp_path, 300)
    assert len(index) == 300
    [written] = tmp_path.glob("listed-300-*.index")
    first = written.stat().st_mtime_ns
    assert len(listed_index(tmp_path, 300)) == 300
    assert written.stat().st_mtime_ns == first
    assert not list(tmp_path.glob("*.writing"))


def test_a_change_to_the_matcher_writes_the_list_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    listed_index(tmp_path, 200)
    monkeypatch.setattr(api_inprocess, "fingerprint", lambda *_sizes: "0123456789abcdef-other")
    listed_index(tmp_path, 200)
    assert len(list(tmp_path.glob("listed-200-*.index"))) == 2


def test_fresh_batches_are_distinct_names_outside_the_generated_list(tmp_path: Path) -> None:
    index = listed_index(tmp_path, 300)
    listed = {record.listed.name for record in index._records}
    names = [query.name for body in fresh_bodies(3, 0) for query in fresh_queries(body)]
    assert len(names) == 300
    assert len(set(names)) == 300
    assert not listed & set(names)

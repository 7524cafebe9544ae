"""The screening index benchmark's file: parsed over processes as in one, kept and reused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import screening_index
from bench.screening_index import INDEX, MANIFEST, QUERIES, kept_index, write_index_and_queries


def test_names_parsed_over_processes_give_the_same_file(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    write_index_and_queries(one, 300, 20, workers=1)
    write_index_and_queries(two, 300, 20, workers=2)
    assert (one / INDEX).read_bytes() == (two / INDEX).read_bytes()
    assert len(json.loads((one / QUERIES).read_text())) == 20


def test_kept_file_is_reused_until_the_code_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory, written = kept_index(tmp_path, 200, 10, workers=1)
    assert written is not None
    first = (directory / INDEX).stat().st_mtime_ns

    again, written = kept_index(tmp_path, 200, 10, workers=1)
    assert (again, written) == (directory, None)
    assert (directory / INDEX).stat().st_mtime_ns == first

    monkeypatch.setattr(screening_index, "fingerprint", lambda *_sizes: "other code")
    _directory, written = kept_index(tmp_path, 200, 10, workers=1)
    assert written is not None
    assert json.loads((directory / MANIFEST).read_text())["fingerprint"] == "other code"

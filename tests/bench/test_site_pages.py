"""The site pages benchmark: every page measured, and the advanced catalogue the whole one."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import site_pages
from bench.registry_data import prepare


def test_every_page_is_measured_and_the_advanced_catalogue_is_the_whole_one(
    tmp_path: Path,
) -> None:
    prepare(tmp_path, 60, None, workers=1)
    result = site_pages.measure(tmp_path, 60)
    assert result.same
    assert set(result.pages) == {
        "home",
        "search, no term",
        "search, a credit code",
        "search, two filters",
        "search, page 3",
        "statistics",
        "spreadsheet download, written",
    }
    assert all(seconds > 0 for seconds in result.pages.values())
    assert result.whole_state > 0 and result.whole_catalogue > 0 and result.healthz > 0
    assert result.advanced_statistics > 0 and result.whole_statistics > 0
    assert result.first_download > 0 and result.advanced_download > 0
    assert result.first_search > 0 and result.advanced_search > 0
    assert min(result.entry_rendered, result.entry_kept, result.entry_carried) > 0
    assert set(result.api_list) == {
        "first page",
        "page 3",
        "the state's first filter (columns read)",
        "a filter's first page, new filter",
        "a filter's first page, kept",
        "worked out and filtered whole (before)",
        "first page after 10 removals",
        "a new filter after 10 removals",
    }
    assert all(seconds > 0 for seconds in result.api_list.values())


def test_a_size_too_small_to_remove_from_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        site_pages.main(["--sizes", "5"])
    assert "at least 20 entries" in capsys.readouterr().err

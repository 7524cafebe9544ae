"""The verification benchmark's kept feeds: published once, verified as they are afterwards."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import verify as verify_bench
from bench.verify import KEPT_FEED_MARK, kept_feed
from registry.verifier import open_source, verify_feed


def test_a_kept_feed_is_published_once_and_then_reused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    feeds = tmp_path / "feeds"

    first = kept_feed(feeds, 12, regular=True)

    assert first == feeds / "feed-12-regular"
    mark = json.loads((first / KEPT_FEED_MARK).read_text())
    assert (mark["entries"], mark["regular"]) == (12, True)
    report = verify_feed(open_source(str(first)))
    assert report.ok, report.problems()
    assert report.version == 2  # the regular version: the second run's
    assert report.checked["signed entries"] == 12  # its delta is empty

    def no_publication(*_arguments: object) -> None:
        raise AssertionError("a kept feed was published again")

    monkeypatch.setattr(verify_bench, "publish_feed", no_publication)
    assert kept_feed(feeds, 12, regular=True) == first


def test_a_publication_cut_short_is_done_again(tmp_path: Path) -> None:
    unfinished = tmp_path / "feed-12"
    (unfinished / "snapshot").mkdir(parents=True)
    (unfinished / "index.json").write_text("{}")  # no mark: cut short

    feed = kept_feed(tmp_path, 12)

    report = verify_feed(open_source(str(feed)))
    assert report.ok, report.problems()
    assert report.checked["signed entries"] == 2 * 12  # the first version: every entry twice

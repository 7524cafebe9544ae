"""Incremental feed files: merged from the previous version, byte-identical to a full rebuild."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from followthemoney.util import make_entity_id
from sqlalchemy.orm import Session

from publisher import feed_files, incremental
from publisher.run import publish_once
from publisher.settings import PublishSettings
from publisher.versions import FeedRetention
from publisher.writers.snapshot import UTF8_BOM, write_snapshot_csv, write_snapshot_jsonl
from registry.actors import Actor
from registry.listings import published as published_listings
from registry.listings.policy import Policy
from registry.verifier import DirectorySource, verify_feed
from runtime.signing_keys import key_store
from tests import builders
from tests.publisher.feed_checks import assert_feed_complete

D = dt.date
START = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)
PUBLIC_URL = "https://registry.example.org"
PREFIXES = ("ipl-subject", "ipl-sanction")
REBUILT = "rebuilt"


class Registry:
    """Approves, amends and removes listings, publishes, and rebuilds versions from scratch."""

    def __init__(self, app: Flask, session: Session, tmp_path: Path) -> None:
        self.app = app
        self.session = session
        self.policy = Policy.from_settings(app.config["REGISTRY"])
        self.actors: dict[str, Actor] = builders.actors(session)
        self.feed = Path(app.config["FEED_DIR"])
        self.rebuilt = tmp_path / REBUILT
        self.runs = 0

    def approve(self) -> int:
        """Approve one more listing (its own subject); return its id."""
        return builders.listing(self.session, policy=self.policy, team=self.actors).id

    def amend(self, listing_id: int, remedy: str) -> None:
        """Publish a new revision of a listing."""
        keys = key_store(self.app)
        published_listings.amend(
            self.session, self.actors["reviewer2"], keys, listing_id, "typo", remedy=remedy
        )

    def remove(self, listing_id: int) -> None:
        """Remove a published listing (proposed and confirmed by two reviewers)."""
        builders.remove(self.session, listing_id, on=D(2026, 11, 3))

    def publish(self, public_url: str | None = PUBLIC_URL) -> dict[str, Any]:
        """One run; return the resources of the new version, after the offline verifier."""
        self.runs += 1
        now = START + self.runs * HOUR
        settings = dataclasses.replace(
            PublishSettings.from_config(self.app.config),
            interval=HOUR,
            public_url=public_url,
            retention=FeedRetention(keep_versions=5, keep_deltas_days=2),
        )
        publish_once(self.session, key_store(self.app), self.policy, settings, now=now)
        signed = assert_feed_complete(self.feed, key_store(self.app).public_keys())
        report = verify_feed(DirectorySource(str(self.feed)), now=now)
        assert report.ok, report.problems()
        return {record["name"]: record for record in signed["resources"]}

    def assert_same_as_full_rebuild(
        self, resources: dict[str, Any], public_url: str | None = PUBLIC_URL
    ) -> None:
        """The published files equal a from-scratch build of the same version and log size."""
        version = int(Path(resources["snapshot"]["path"]).stem)
        signed = json.loads((self.feed / "index.json").read_bytes())["signed"]
        # A checkpoint note's second line is the log size it commits to.
        size = int(signed["checkpoint"].split("\n")[1])
        full = feed_files.write_version_files(
            self.session, self.rebuilt, version, size, public_url, None
        )
        for record in full:
            published = resources[record["name"]]
            assert record == published, record["name"]
            assert (self.feed / published["path"]).read_bytes() == (
                self.rebuilt / record["path"]
            ).read_bytes()


@pytest.fixture
def registry(app: Flask, session: Session, tmp_path: Path) -> Registry:
    """A registry with its own scratch directory for full rebuilds."""
    return Registry(app, session, tmp_path)


@pytest.fixture
def full_rebuilds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Versions whose published snapshot was written from scratch rather than merged."""
    versions: list[int] = []
    original = write_snapshot_jsonl

    def spy(feed_dir: Any, version: int, bundles: Any) -> Any:
        if Path(feed_dir).name != REBUILT:
            versions.append(version)
        return original(feed_dir, version, bundles)

    monkeypatch.setattr(feed_files, "write_snapshot_jsonl", spy)
    return versions


def test_amendments_removals_and_new_listings_merge_to_the_full_rebuild(
    registry: Registry, full_rebuilds: list[int]
) -> None:
    ids = [registry.approve() for _ in range(6)]
    registry.publish()
    assert full_rebuilds == [1]

    # A formula prefix, a comma and quotes: the CSV cell is neutralised and quoted.
    registry.amend(ids[1], '=pay the damages, "in full"')
    registry.remove(ids[3])
    registry.approve()
    resources = registry.publish()
    assert full_rebuilds == [1], "version 2 was merged from version 1"
    assert resources["snapshot"]["count"] == 6
    assert resources["ftm"]["count"] == 12
    registry.assert_same_as_full_rebuild(resources)

    registry.remove(ids[0])
    registry.remove(ids[5])
    registry.amend(ids[1], "paid")
    resources = registry.publish()
    assert full_rebuilds == [1]
    assert resources["snapshot"]["count"] == 4
    registry.assert_same_as_full_rebuild(resources)


def test_a_merged_file_keeps_unchanged_lines_as_bytes(registry: Registry) -> None:
    for _ in range(3):
        registry.approve()
    first = registry.publish()
    registry.approve()
    second = registry.publish()
    old = (registry.feed / first["ftm"]["path"]).read_bytes().splitlines()
    new = (registry.feed / second["ftm"]["path"]).read_bytes().splitlines()
    assert new[: len(old)] == old
    entries = [json.loads(line)["entry"]["entry_id"] for line in _lines(registry, second)]
    # Entity ids come from the entry alone, so the file's ids follow from the snapshot's.
    ids = [json.loads(line)["id"] for line in new]
    assert ids == [make_entity_id(prefix, entry) for entry in entries for prefix in PREFIXES]


def _lines(registry: Registry, resources: dict[str, Any]) -> list[bytes]:
    path: Path = registry.feed / str(resources["snapshot"]["path"])
    return path.read_bytes().splitlines()


@pytest.mark.parametrize("name", ["snapshot", "snapshot_csv", "ftm"])
def test_a_damaged_previous_file_means_a_full_rebuild(
    registry: Registry, full_rebuilds: list[int], name: str
) -> None:
    for _ in range(3):
        registry.approve()
    first = registry.publish()
    damaged = registry.feed / first[name]["path"]
    damaged.write_bytes(damaged.read_bytes().replace(b"1", b"2", 1))
    registry.approve()
    resources = registry.publish()
    assert full_rebuilds == [1, 2]
    registry.assert_same_as_full_rebuild(resources)


def test_a_new_public_url_rebuilds_the_ftm_file(registry: Registry) -> None:
    for _ in range(2):
        registry.approve()
    registry.publish(public_url=None)
    registry.approve()
    resources = registry.publish(public_url=PUBLIC_URL)
    registry.assert_same_as_full_rebuild(resources, PUBLIC_URL)
    lines = (registry.feed / resources["ftm"]["path"]).read_bytes().splitlines()
    assert all(b"sourceUrl" in line for line in lines)


def test_unexpected_previous_content_is_refused(tmp_path: Path) -> None:
    with pytest.raises(incremental.NotIncremental, match="no entry_id"):
        incremental.entry_id_of(b'{"entry":{"type":"x"}}\n')
    with pytest.raises(incremental.NotIncremental, match="unexpected entry_id"):
        incremental.entry_id_of(b'{"entry":{"entry_id":"a\\"b"}}\n')
    unsorted = tmp_path / "unsorted.jsonl"
    unsorted.write_bytes(b'{"entry":{"entry_id":"B"}}\n{"entry":{"entry_id":"A"}}\n')
    with pytest.raises(incremental.NotIncremental, match="'A' after 'B'"):
        list(incremental.previous_entries(unsorted))
    with pytest.raises(incremental.NotIncremental, match="cannot read"):
        list(incremental.previous_entries(tmp_path / "missing.jsonl"))


def test_the_merge_puts_changed_entries_in_entry_order() -> None:
    previous = iter([("A", b"a\n"), ("C", b"c\n"), ("E", b"e\n")])
    changed: list[tuple[str, Any]] = [
        ("B", {"v": "b2"}),
        ("C", None),
        ("E", {"v": "e2"}),
        ("F", {"v": "f"}),
    ]
    counted: list[int] = []
    lines = incremental.merged(
        previous, changed, lambda bundle: f"{bundle['v']}\n".encode(), counted.append
    )
    assert b"".join(lines) == b"a\nb2\ne2\nf\n"
    assert sum(counted) == 4


def test_csv_rows_spanning_lines_are_copied_whole(tmp_path: Path) -> None:
    bundles = [
        {"entry": {"entry_id": "A", "remedy": 'pay\nin full,\r\n"now"'}, "signature": {}},
        {"entry": {"entry_id": "B", "remedy": "-1"}, "signature": {}},
    ]
    record = write_snapshot_csv(tmp_path, 1, bundles)
    path = tmp_path / record["path"]
    rows = list(incremental.previous_csv_rows(path, iter(["A", "B"])))
    assert [entry_id for entry_id, _row in rows] == ["A", "B"]
    assert rows[0][1] == incremental.csv_line(bundles[0])
    header = UTF8_BOM + incremental.csv_header()
    assert header + b"".join(row for _entry_id, row in rows) == path.read_bytes()
    with pytest.raises(incremental.NotIncremental, match="does not match entry 'C'"):
        list(incremental.previous_csv_rows(path, iter(["A", "C"])))
    with pytest.raises(incremental.NotIncremental, match="more rows"):
        list(incremental.previous_csv_rows(path, iter(["A"])))

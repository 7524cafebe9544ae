"""Feed retention: unchanged runs reuse files, old files are pruned only after the new index."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from publisher import feed_files, versions
from publisher.run import RunReport, publish_once
from publisher.settings import PublishSettings
from publisher.versions import FeedRetention
from registry.errors import InvalidValue
from registry.listings.policy import Policy
from registry.verifier import DirectorySource, verify_feed
from runtime.config import ConfigError, load_config
from runtime.signing_keys import key_store
from tests import builders
from tests.publisher.feed_checks import assert_feed_complete, file_digest

D = dt.date
START = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)


class Killed(BaseException):
    """Stands in for SIGKILL: nothing after the raise point runs, no handler catches it."""


class Registry:
    """Approves listings and runs the publisher at chosen instants."""

    def __init__(self, app: Flask, session: Session, retention: FeedRetention) -> None:
        self.app = app
        self.session = session
        self.settings = dataclasses.replace(
            PublishSettings.from_config(app.config), interval=HOUR, retention=retention
        )
        self.policy = Policy.from_settings(app.config["REGISTRY"])
        self.feed = Path(app.config["FEED_DIR"])

    def approve(self) -> None:
        """Approve one more listing (its own subject), to be published by the next run."""
        builders.listing(self.session, policy=self.policy)

    def publish(self, now: dt.datetime) -> RunReport:
        """One publication run at `now` with this registry's retention."""
        return publish_once(self.session, key_store(self.app), self.policy, self.settings, now=now)

    def index(self, now: dt.datetime) -> dict[str, Any]:
        """The signed index, after checking it is complete and the offline verifier passes."""
        signed = assert_feed_complete(self.feed, key_store(self.app).public_keys())
        report = verify_feed(DirectorySource(str(self.feed)), now=now)
        assert report.ok, report.problems()
        return signed

    def files(self, folder: str) -> set[str]:
        """Names of the files in a feed folder (temporary files and the chunks folder excluded)."""
        return {
            p.name
            for p in (self.feed / folder).iterdir()
            if p.is_file() and not p.name.startswith(".")
        }


@pytest.fixture
def registry(app: Flask, session: Session) -> Registry:
    """A registry keeping three versions and deltas for two days."""
    return Registry(app, session, FeedRetention(keep_versions=3, keep_deltas_days=2))


def _resources(signed: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {record["name"]: record for record in signed["resources"]}


def test_a_run_without_new_events_lists_the_previous_files(registry: Registry) -> None:
    registry.approve()
    registry.publish(START)
    first = registry.index(START)
    assert first["version"] == 1

    assert registry.publish(START + HOUR).version == 2
    second = registry.index(START + HOUR)
    # Same paths, hashes, sizes and counts: consumers follow `path` to version 1's files.
    assert second["resources"] == first["resources"]
    assert _resources(second)["snapshot"]["path"] == "snapshot/1.jsonl"
    assert _resources(second)["snapshot"]["count"] == 1
    assert registry.files("snapshot") == {"1.jsonl", "1.csv"}
    assert registry.files("ftm") == {"1.ftm.json"}
    # The delta is still written, empty, so the chain 0-1, 1-2 has no gap.
    assert second["delta"] == second["delta"] | {"from": 1, "to": 2, "count": 0, "size": 0}
    assert (registry.feed / "delta" / "1-2.jsonl").read_bytes() == b""

    registry.publish(START + 2 * HOUR)
    third = registry.index(START + 2 * HOUR)
    assert third["resources"] == first["resources"]
    assert third["delta"]["path"] == "delta/2-3.jsonl"

    registry.approve()
    registry.publish(START + 3 * HOUR)
    fourth = registry.index(START + 3 * HOUR)
    assert _resources(fourth)["snapshot"]["path"] == "snapshot/4.jsonl"
    assert _resources(fourth)["snapshot"]["count"] == 2
    # The new listing and the anchor of the audit trail that approving it moved.
    assert fourth["delta"]["from"] == 3 and fourth["delta"]["count"] == 2


def test_a_listed_file_changed_on_disk_is_written_afresh(registry: Registry) -> None:
    registry.approve()
    registry.publish(START)
    csv = registry.feed / "snapshot" / "1.csv"
    csv.write_bytes(csv.read_bytes() + b"edited by hand\n")
    registry.publish(START + HOUR)
    signed = registry.index(START + HOUR)
    # The whole files (chunk records are named <kind>/<key>; tests/publisher/test_feed_chunks.py).
    assert {r["path"] for r in signed["resources"] if "/" not in r["name"]} == {
        "snapshot/2.jsonl",
        "snapshot/2.csv",
        "ftm/2.ftm.json",
    }


def test_pruning_keeps_the_newest_versions_and_the_files_they_list(registry: Registry) -> None:
    tiles_before: set[Path] = set()
    for hour in range(5):
        registry.approve()
        registry.publish(START + hour * HOUR)
        if hour == 0:
            tiles_before = set((registry.feed / "log").rglob("*"))
    registry.index(START + 4 * HOUR)
    assert registry.files("snapshot") == {
        f"{v}.{ext}" for v in (3, 4, 5) for ext in ("jsonl", "csv")
    }
    assert registry.files("ftm") == {f"{v}.ftm.json" for v in (3, 4, 5)}
    # Log tiles are never pruned.
    assert tiles_before and tiles_before <= set((registry.feed / "log").rglob("*"))

    # Versions 6 and 7 change nothing and list version 5's files; version 8 has new content.
    registry.publish(START + 5 * HOUR)
    registry.publish(START + 6 * HOUR)
    registry.approve()
    registry.publish(START + 7 * HOUR)
    registry.index(START + 7 * HOUR)
    # The newest three (6, 7, 8) still name version 5's files, so those stay.
    assert registry.files("ftm") == {"5.ftm.json", "8.ftm.json"}

    registry.approve()
    registry.publish(START + 8 * HOUR)
    registry.approve()
    registry.publish(START + 9 * HOUR)
    registry.index(START + 9 * HOUR)
    assert registry.files("ftm") == {f"{v}.ftm.json" for v in (8, 9, 10)}
    # Deltas are kept by age (two days here), not by count.
    assert len(registry.files("delta")) == 10


def test_deltas_older_than_the_retention_are_pruned(registry: Registry) -> None:
    for hour in range(3):
        registry.approve()
        registry.publish(START + hour * HOUR)
    late = START + dt.timedelta(days=2, hours=1)
    registry.publish(late)
    signed = registry.index(late)
    # 0-1 was issued at START, more than two days before; 1-2 exactly two days before.
    assert registry.files("delta") == {"1-2.jsonl", "2-3.jsonl", "3-4.jsonl"}
    assert signed["delta"]["path"] == "delta/3-4.jsonl"
    # The current index's files are never pruned, however old the version that wrote them.
    far = late + dt.timedelta(days=30)
    registry.publish(far)
    signed = registry.index(far)
    assert _resources(signed)["snapshot"]["path"] == "snapshot/3.jsonl"
    assert registry.files("delta") == {"4-5.jsonl"}


def test_a_crash_between_index_and_pruning_is_harmless(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    for hour in range(3):
        registry.approve()
        registry.publish(START + hour * HOUR)

    def killed(*_args: object) -> None:
        raise Killed

    # Killed before the index: nothing is deleted, the previous index still holds.
    registry.approve()
    with monkeypatch.context() as patch:
        patch.setattr(feed_files, "write_index", killed)
        with pytest.raises(Killed):
            registry.publish(START + 3 * HOUR)
    assert registry.index(START + 3 * HOUR)["version"] == 3
    assert "1.jsonl" in registry.files("snapshot")

    # Killed after the index, before pruning: the new index is complete, old files linger.
    registry.approve()
    with monkeypatch.context() as patch:
        patch.setattr(versions, "prune_feed", killed)
        with pytest.raises(Killed):
            registry.publish(START + 4 * HOUR)
    signed = registry.index(START + 4 * HOUR)
    assert signed["version"] == 5
    lingering = registry.feed / "snapshot" / "1.jsonl"
    digest = file_digest(lingering)
    assert "2.jsonl" in registry.files("snapshot")

    # The next run prunes what the crashed one left.
    registry.publish(START + 5 * HOUR)
    assert registry.index(START + 5 * HOUR)["version"] == 6
    assert not lingering.exists(), digest
    # Version 6 changed nothing (it lists 5's files); 4 is the killed run's orphan, still
    # among the newest three version numbers.
    assert registry.files("snapshot") == {f"{v}.{ext}" for v in (4, 5) for ext in ("jsonl", "csv")}


def test_retention_settings_are_checked() -> None:
    with pytest.raises(InvalidValue, match="FEED_KEEP_VERSIONS"):
        FeedRetention(keep_versions=0)
    with pytest.raises(InvalidValue, match="FEED_KEEP_DELTAS_DAYS"):
        FeedRetention(keep_deltas_days=-1)
    config = load_config("/nonexistent", {"REGISTRY_FEED_KEEP_VERSIONS": "6"})
    assert FeedRetention.from_settings(config["REGISTRY"]) == FeedRetention(6, 30)
    with pytest.raises(ConfigError, match="REGISTRY_FEED_KEEP_VERSIONS"):
        load_config("/nonexistent", {"REGISTRY_FEED_KEEP_VERSIONS": "0"})
    with pytest.raises(ConfigError, match="REGISTRY_FEED_KEEP_DELTAS_DAYS"):
        load_config("/nonexistent", {"REGISTRY_FEED_KEEP_DELTAS_DAYS": "-3"})

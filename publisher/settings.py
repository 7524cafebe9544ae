"""Where and how the publisher publishes: one settings object, read once from the app config."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from apscheduler.triggers.cron import CronTrigger

from publisher.object_store import ObjectStoreSettings
from publisher.versions import FeedRetention
from registry.errors import InvalidValue
from registry.ledger.policy import InvalidPolicy, parse_policy
from registry.ledger.policy import Policy as WitnessPolicy
from registry.models import utcnow
from registry.screening.shared_index import DriftBound
from runtime.index_store import index_store_settings


def cron_interval(cron: str) -> dt.timedelta:
    """The time between two runs of the cron expression `cron` (its next two fire times)."""
    trigger = CronTrigger.from_crontab(cron, timezone=dt.UTC)
    first = trigger.get_next_fire_time(None, utcnow())
    second = trigger.get_next_fire_time(first, first + dt.timedelta(seconds=1))
    assert first is not None and second is not None
    interval: dt.timedelta = second - first
    return interval


@dataclass(frozen=True)
class PublishSettings:
    """The feed folder, log origin, run interval, public URL, retention and object store."""

    feed_dir: Path
    origin: str
    # Each index expires two intervals after it is issued.
    interval: dt.timedelta
    public_url: str | None = None
    retention: FeedRetention = field(default_factory=FeedRetention)
    witness_policy: WitnessPolicy | None = None
    # The policy file's text, published in keys.json for offline verifiers (verify-proof).
    witness_policy_text: str | None = None
    witness_timeout: float = 5.0
    # When set, each version is also uploaded to this bucket (publisher/object_store.py).
    object_store: ObjectStoreSettings | None = None
    # When set, each run also writes the national platform export here.
    national_dir: Path | None = None
    # When set, the screening index of what is public is written here after each run.
    screening_index: Path | None = None
    # The file is kept while it lags the list by at most this many changed entries.
    screening_index_max_drift: DriftBound = field(default_factory=DriftBound)
    # When set, the file is also uploaded to this private bucket for the web nodes to pull
    # (runtime/index_store.py).
    index_store: ObjectStoreSettings | None = None
    # Also publish the whole snapshot, CSV and FTM files beside their chunks (this release).
    whole_files: bool = True
    # Processes that write chunks in a full build (publisher/chunked_files.py) and parse the
    # names of a screening index write (registry/screening/matching/index_file.py).
    workers: int = 1

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> PublishSettings:
        """Build the settings from the app config (`FEED_DIR` and the `REGISTRY` mapping)."""
        settings = config["REGISTRY"]
        policy, policy_text = _witness_policy(settings["WITNESS_POLICY"])
        return cls(
            feed_dir=Path(config["FEED_DIR"]),
            origin=settings["LOG_ORIGIN"],
            interval=cron_interval(settings["PUBLISH_CRON"]),
            public_url=settings["PUBLIC_URL"],
            retention=FeedRetention.from_settings(settings),
            witness_policy=policy,
            witness_policy_text=policy_text,
            witness_timeout=settings["WITNESS_TIMEOUT"],
            object_store=ObjectStoreSettings.from_settings(settings),
            national_dir=_optional_path(config.get("NATIONAL_EXPORT_DIR")),
            screening_index=Path(config["SCREENING_INDEX"]),
            screening_index_max_drift=settings["SCREENING_INDEX_MAX_DRIFT"],
            index_store=index_store_settings(settings),
            whole_files=settings["FEED_WHOLE_FILES"],
            workers=settings["PUBLISH_WORKERS"] or os.cpu_count() or 1,
        )


def _optional_path(value: str | None) -> Path | None:
    return Path(value) if value else None


def _witness_policy(path: str | None) -> tuple[WitnessPolicy | None, str | None]:
    """The c2sp.org/tlog-policy file naming the witnesses and quorum, parsed and as published.

    (None, None) when no policy is configured.
    """
    if not path:
        return None, None
    try:
        text = Path(path).read_bytes().decode("utf-8")
    except OSError as error:
        raise InvalidValue("REGISTRY_WITNESS_POLICY", f"cannot read {path}: {error}") from None
    except UnicodeDecodeError as error:
        reason = f"{path}: not UTF-8 (bad byte at offset {error.start})"
        raise InvalidValue("REGISTRY_WITNESS_POLICY", reason) from None
    try:
        return parse_policy(text), text
    except InvalidPolicy as error:
        raise InvalidValue("REGISTRY_WITNESS_POLICY", f"{path}: {error.message}") from None

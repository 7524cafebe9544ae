"""The clock going backwards between two publications.

Chosen behaviour: a run whose clock reads earlier than the last issued index still publishes
(refusing would stop the feed until someone fixes the clock), but issues the new index with
the last `issued_at` instead of the earlier time, so `issued_at` never decreases; the version
still increases, and the checkpoint never goes back to a smaller tree.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from publisher import run as publisher_run
from publisher.jobs import run_publication
from registry.models import SignedCheckpoint
from registry.signing.signatures import verify_envelope
from runtime.signing_keys import key_store
from tests.faults.conftest import SmallDemo

NOON = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)


def signed_index(app: Flask) -> dict:
    """The verified `signed` part of the feed's index.json."""
    envelope = json.loads((Path(app.config["FEED_DIR"]) / "index.json").read_bytes())
    verify_envelope("ipl.feed-index/v1", envelope, key_store(app).public_keys())
    return envelope["signed"]


def checkpoint_sizes(demo: SmallDemo) -> list[int]:
    """Tree sizes of the signed checkpoints, in signing order."""
    rows = demo.session.scalars(select(SignedCheckpoint).order_by(SignedCheckpoint.signed_at))
    return [row.tree_size for row in rows]


def test_an_earlier_now_keeps_versions_and_issued_at_monotonic(app: Flask, demo: SmallDemo) -> None:
    first = demo.publish(now=NOON)
    before = signed_index(app)
    demo.listings("approved", 1)
    second = demo.publish(now=NOON - dt.timedelta(hours=3))
    after = signed_index(app)

    assert second.version > first.version
    assert after["version"] == second.version
    assert after["issued_at"] == before["issued_at"] == "2026-11-25T12:00:00Z"
    assert after["expires"] >= before["expires"]
    assert second.tree_size > first.tree_size
    sizes = checkpoint_sizes(demo)
    assert sizes == sorted(sizes)


def test_a_clock_set_back_by_a_day_via_utcnow(
    app: Flask, demo: SmallDemo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(publisher_run, "utcnow", lambda: NOON)
    first = run_publication(app)
    monkeypatch.setattr(publisher_run, "utcnow", lambda: NOON - dt.timedelta(days=1))
    second = run_publication(app)
    assert first is not None and second is not None
    assert second.version == first.version + 1
    assert signed_index(app)["issued_at"] == "2026-11-25T12:00:00Z"
    sizes = checkpoint_sizes(demo)
    assert sizes == sorted(sizes) and sizes[-1] == second.tree_size


def test_the_clock_moving_forward_again_issues_the_real_time(app: Flask, demo: SmallDemo) -> None:
    demo.publish(now=NOON)
    demo.publish(now=NOON - dt.timedelta(hours=1))
    demo.publish(now=NOON + dt.timedelta(hours=2))
    assert signed_index(app)["issued_at"] == "2026-11-25T14:00:00Z"

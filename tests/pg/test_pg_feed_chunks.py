"""Feed chunks on PostgreSQL: merged, and re-read by key prefix, equal to a full build."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from publisher import chunks
from runtime.extensions import db
from tests.publisher.test_feed_chunks import SMALL_KEY, _assert_same_as_full_build, _chunks
from tests.publisher.test_incremental_files import Registry

pytestmark = pytest.mark.pg


def test_chunks_merge_and_rebuild_on_postgresql(
    pg_app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(chunks, "KEY_LENGTH", SMALL_KEY)
    registry = Registry(pg_app, db.session, tmp_path)
    ids = [registry.approve() for _ in range(15)]
    first = registry.publish()
    # A missing chunk is re-read from the database by its key (an escaped LIKE prefix).
    (registry.feed / _chunks(first, "snapshot")["IPL-2026-00000"]["path"]).unlink()
    registry.amend(ids[12], "paid")
    registry.remove(ids[13])
    resources = registry.publish()
    assert _chunks(resources, "snapshot")["IPL-2026-00001"]["count"] == 5
    _assert_same_as_full_build(registry, resources)

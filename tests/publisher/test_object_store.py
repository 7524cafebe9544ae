"""Publishing the feed to S3-compatible object storage, against a real `rclone serve s3`.

The bucket is a folder under the server's root, so what the bucket holds is checked both
through boto3 (headers) and as files (the same checks as the local feed).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from publisher import object_store
from publisher.jobs import run_publication
from publisher.object_store import (
    FeedBucket,
    ImmutableObjectChanged,
    ObjectStoreError,
    ObjectStoreSettings,
)
from registry.models import FeedVersion
from runtime.extensions import db
from runtime.signing_keys import key_store
from tests.publisher.feed_checks import assert_feed_complete
from tests.publisher.test_crash_safety import Approvals, _fork_and_kill
from tests.s3_server import ACCESS_KEY, SECRET_KEY, WRONG_SECRET, S3Server, break_store

pytestmark = pytest.mark.s3
PREFIX = "national/feed"


@pytest.fixture
def store_app(demo_app: Flask, s3_server: S3Server, bucket: str) -> Flask:
    """The demo registry (three listings approved, unpublished), publishing to `bucket`."""
    demo_app.config["REGISTRY"].update(
        FEED_S3_BUCKET=bucket,
        FEED_S3_PREFIX=PREFIX,
        FEED_S3_ENDPOINT=s3_server.endpoint,
        FEED_S3_ACCESS_KEY=ACCESS_KEY,
        FEED_S3_SECRET_KEY=SECRET_KEY,
    )
    return demo_app


def served_feed(s3_server: S3Server, bucket: str) -> Path:
    """The folder rclone serves as the feed in `bucket` (what a CDN would fetch)."""
    return s3_server.root / bucket / PREFIX


def head(s3_server: S3Server, bucket: str, name: str) -> dict[str, Any]:
    """The headers the bucket answers for one feed object, through boto3."""
    headers: dict[str, Any] = s3_server.client().head_object(Bucket=bucket, Key=f"{PREFIX}/{name}")
    return headers


def test_a_run_uploads_the_feed_with_cdn_cache_headers(
    store_app: Flask, s3_server: S3Server, bucket: str
) -> None:
    keys = key_store(store_app).public_keys()
    report = run_publication(store_app)
    assert report is not None

    served = served_feed(s3_server, bucket)
    signed = assert_feed_complete(served, keys)
    assert signed["version"] == report.version
    local = Path(store_app.config["FEED_DIR"])
    local_files = object_store.local_files(local)
    assert sorted(object_store.local_files(served)) == sorted(local_files)
    for name, path in local_files.items():
        assert (served / name).read_bytes() == path.read_bytes(), name

    snapshot = next(r["path"] for r in signed["resources"] if r["name"] == "snapshot")
    for immutable in (snapshot, signed["delta"]["path"]):
        headers = head(s3_server, bucket, immutable)
        assert headers["CacheControl"] == "public, max-age=31536000, immutable", immutable
    # The demo log is shorter than one tile: its partial tiles are superseded, so short-lived.
    tile = next(name for name in local_files if name.startswith("log/tile/"))
    assert ".p/" in tile
    assert head(s3_server, bucket, tile)["CacheControl"] == "public, max-age=60, must-revalidate"
    index = head(s3_server, bucket, "index.json")
    assert index["CacheControl"] == "public, max-age=60, must-revalidate"
    assert index["ContentType"] == "application/json"
    assert head(s3_server, bucket, "log/checkpoint")["ContentType"].startswith("text/plain")

    response = store_app.test_client().get("/readyz")
    assert response.status_code == 200, response.get_json()
    feed_check = response.get_json()["checks"]["feed"]["detail"]
    assert f"feed version {report.version} valid until" in feed_check


def test_immutable_objects_go_first_and_the_index_after_them(
    store_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    uploaded: list[str] = []
    put = FeedBucket.put

    def recording(bucket: FeedBucket, name: str, path: Path, expires_in: int | None = None) -> None:
        put(bucket, name, path, expires_in)
        uploaded.append(name)

    monkeypatch.setattr(FeedBucket, "put", recording)
    run_publication(store_app)
    head_names = list(object_store.HEAD_ORDER)
    assert uploaded[-4:] == head_names, "keys, checkpoint, index, then Atom"
    assert not set(uploaded[:-4]) & set(head_names)
    assert any(name.startswith("snapshot/") for name in uploaded[:-4])

    # A run with nothing new uploads only its new delta, its kept index and the head.
    uploaded.clear()
    run_publication(store_app)
    assert uploaded[-4:] == head_names
    assert sorted(name.split("/")[0] for name in uploaded[:-4]) == ["delta", "index"]


def test_a_run_failing_mid_upload_leaves_the_previous_feed_and_the_next_catches_up(
    store_app: Flask, s3_server: S3Server, bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = key_store(store_app).public_keys()
    run_publication(store_app)
    served = served_feed(s3_server, bucket)
    before = (served / "index.json").read_bytes()

    put = FeedBucket.put

    def failing_on_the_head(
        bucket: FeedBucket, name: str, path: Path, expires_in: int | None = None
    ) -> None:
        if name == "log/checkpoint":
            raise ObjectStoreError("connection reset while uploading log/checkpoint")
        put(bucket, name, path, expires_in)

    with monkeypatch.context() as patch:
        patch.setattr(FeedBucket, "put", failing_on_the_head)
        with pytest.raises(ObjectStoreError):
            run_publication(store_app)
    # The new delta is in the bucket already, but the index still names the old version.
    assert (served / "index.json").read_bytes() == before
    assert assert_feed_complete(served, keys)["version"] == 1

    report = run_publication(store_app)
    assert report is not None
    assert assert_feed_complete(served, keys)["version"] == report.version == 3


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        ("unreachable", r"at http://127\.0\.0\.1:\d+ is unreachable"),
        ("bucket_missing", r"bucket 'missing-[0-9a-f]+' at .* does not exist"),
        ("credentials", r"refused the credentials .*REGISTRY_FEED_S3_SECRET_KEY"),
    ],
)
def test_object_store_faults_fail_the_run_clearly_and_the_next_run_catches_up(
    store_app: Flask,
    s3_server: S3Server,
    bucket: str,
    caplog: pytest.LogCaptureFixture,
    fault: str,
    message: str,
) -> None:
    keys = key_store(store_app).public_keys()
    served = served_feed(s3_server, bucket)
    assert run_publication(store_app) is not None
    settings = store_app.config["REGISTRY"]
    good = break_store(settings, fault, "FEED_S3_BUCKET")

    with (
        caplog.at_level(logging.ERROR, logger="publisher"),
        pytest.raises(ObjectStoreError, match=message),
    ):
        run_publication(store_app)
    assert "previous complete feed" in caplog.text
    assert WRONG_SECRET not in caplog.text
    response = store_app.test_client().get("/readyz")
    assert response.status_code == 503
    detail = response.get_json()["checks"]["feed"]["detail"]
    assert "last 1 run(s) failed (ObjectStoreError: object storage failed" in detail
    assert WRONG_SECRET not in detail
    assert assert_feed_complete(served, keys)["version"] == 1

    settings.update(good)
    report = run_publication(store_app)
    assert report is not None and report.version == 3
    assert assert_feed_complete(served, keys)["version"] == 3
    assert store_app.test_client().get("/readyz").status_code == 200


def test_an_immutable_object_in_the_bucket_is_never_overwritten(
    store_app: Flask, s3_server: S3Server, bucket: str
) -> None:
    run_publication(store_app)
    served = served_feed(s3_server, bucket)
    before = (served / "index.json").read_bytes()
    tile = next(p for p in (served / "log" / "tile").rglob("*") if p.is_file())
    name = tile.relative_to(served).as_posix()
    s3_server.client().put_object(
        Bucket=bucket, Key=f"{PREFIX}/{name}", Body=tile.read_bytes() + b"tampered"
    )

    with pytest.raises(ImmutableObjectChanged, match=r"log/tile/.* already in the bucket"):
        run_publication(store_app)
    assert tile.read_bytes().endswith(b"tampered"), "the object was left as found"
    assert (served / "index.json").read_bytes() == before


def test_pruned_versions_leave_the_bucket_too(
    store_app: Flask, s3_server: S3Server, bucket: str
) -> None:
    store_app.config["REGISTRY"].update(FEED_KEEP_VERSIONS=1, FEED_KEEP_DELTAS_DAYS=0)
    keys = key_store(store_app).public_keys()
    run_publication(store_app)
    served = served_feed(s3_server, bucket)
    first = json.loads((served / "index.json").read_bytes())["signed"]
    # Version 1 issued two days ago: its delta is past the (zero-day) retention.
    row = db.session.get(FeedVersion, 1)
    assert row is not None
    row.issued_at -= dt.timedelta(days=2)
    db.session.commit()
    run_publication(store_app)
    run_publication(store_app)
    signed = assert_feed_complete(served, keys)
    local = Path(store_app.config["FEED_DIR"])
    assert sorted(object_store.local_files(served)) == sorted(object_store.local_files(local))
    assert not (served / first["delta"]["path"]).exists()
    assert signed["version"] == 3


def test_sigkill_at_any_instant_of_a_run_leaves_the_bucket_complete(
    store_app: Flask, s3_server: S3Server, bucket: str
) -> None:
    keys = key_store(store_app).public_keys()
    served = served_feed(s3_server, bucket)
    run_publication(store_app)
    approvals = Approvals(store_app)
    versions = set()
    for delay in (0.3, 0.6, 0.9, 1.2, 1.6, 2.0, 2.5, 3.0):
        approvals.add(3)
        db.session.commit()
        _fork_and_kill(store_app, delay)
        # Whatever instant the kill hit, the bucket's index names complete objects.
        versions.add(assert_feed_complete(served, keys)["version"])
    report = run_publication(store_app)
    assert report is not None
    signed = assert_feed_complete(served, keys)
    assert signed["version"] == report.version
    assert len(versions) > 1, "no kill let an upload finish: the delays are too short"
    local = Path(store_app.config["FEED_DIR"])
    assert (served / "index.json").read_bytes() == (local / "index.json").read_bytes()
    listed = [record["path"] for record in [*signed["resources"], signed["delta"]]]
    for name in listed:
        assert (served / name).read_bytes() == (local / name).read_bytes()


def test_chunks_gone_from_the_folder_go_from_the_bucket(
    store_app: Flask, s3_server: S3Server, bucket: str
) -> None:
    run_publication(store_app)
    settings = ObjectStoreSettings.from_settings(store_app.config["REGISTRY"])
    assert settings is not None
    feed_bucket = FeedBucket(settings)
    stray = Path(store_app.config["FEED_DIR"]) / "stray"
    stray.write_bytes(b"purged content\n")
    gone = f"snapshot/chunks/IPL-2026-000.{'0' * 64}.jsonl"
    feed_bucket.put(gone, stray)
    feed_bucket.put("notes/readme.txt", stray)  # not a chunk: the feed leaves it alone

    run_publication(store_app)
    served = served_feed(s3_server, bucket)
    assert not (served / gone).exists()
    assert (served / "notes" / "readme.txt").exists()
    assert PREFIX in str(served)

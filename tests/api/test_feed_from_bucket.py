"""A web node serves `/feed/` and the downloads page from the bucket, with no local feed folder.

A publisher (its own app and feed folder) publishes the demo to a bucket of a real
`rclone serve s3`; a second app on the same database, as a web node with an empty feed
folder, then serves every file byte for byte, with the cache rules of the local folder, and
`registry verify` over HTTP passes against it. With the store stopped, `/feed/` and the
downloads page answer 503 with a log line, and `/readyz` says why.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from publisher import object_store
from publisher.jobs import run_publication
from registry.demo.loader import load_demo
from registry.listings.policy import Policy
from registry.models import Base
from registry.publication.feed_http import cache_control, content_type
from registry.verifier.source import HttpSource
from registry.verifier.verify import verify_feed
from runtime.extensions import db
from runtime.signing_keys import key_store
from tests.conftest import make_app, rclone_binary
from tests.s3_server import ACCESS_KEY, SECRET_KEY, S3Server

pytestmark = pytest.mark.s3
PREFIX = "feed"
BUCKET_SETTINGS = (
    "FEED_S3_BUCKET",
    "FEED_S3_PREFIX",
    "FEED_S3_ENDPOINT",
    "FEED_S3_ACCESS_KEY",
    "FEED_S3_SECRET_KEY",
)


def bucket_settings(server: S3Server, bucket: str) -> dict[str, str]:
    """The REGISTRY settings naming `bucket` on `server`."""
    return {
        "FEED_S3_BUCKET": bucket,
        "FEED_S3_PREFIX": PREFIX,
        "FEED_S3_ENDPOINT": server.endpoint,
        "FEED_S3_ACCESS_KEY": ACCESS_KEY,
        "FEED_S3_SECRET_KEY": SECRET_KEY,
    }


@pytest.fixture
def store(tmp_path: Path) -> Iterator[S3Server]:
    """A store of this test's own, so that the test may stop it."""
    binary = rclone_binary()
    assert binary is not None
    server = S3Server.start(binary, tmp_path / "s3" / "root")
    yield server
    server.stop()


@pytest.fixture
def published(tmp_path: Path, store: S3Server) -> Iterator[Flask]:
    """The publisher: the demo published once, to its local folder and the bucket."""
    bucket = f"feed-{uuid.uuid4().hex[:12]}"
    store.create_bucket(bucket)
    app = make_app(tmp_path / "publisher", f"sqlite:///{tmp_path / 'registry.sqlite3'}")
    app.config["REGISTRY"].update(bucket_settings(store, bucket))
    with app.app_context():
        Base.metadata.create_all(db.engine)
        load_demo(db.session(), Policy.from_settings(app.config["REGISTRY"]), key_store(app))
        assert run_publication(app) is not None
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def web(tmp_path: Path, published: Flask) -> Flask:
    """A web node on the same database and bucket, whose feed folder does not exist."""
    app = make_app(
        tmp_path / "web",
        published.config["SQLALCHEMY_DATABASE_URI"],
        KEYS_DIR=published.config["KEYS_DIR"],
        FEED_DIR=str(tmp_path / "web" / "no-feed-here"),
    )
    settings = published.config["REGISTRY"]
    app.config["REGISTRY"].update({name: settings[name] for name in BUCKET_SETTINGS})
    return app


def published_files(app: Flask) -> dict[str, Path]:
    """Every file of the publisher's local feed folder, by feed path."""
    return object_store.local_files(Path(app.config["FEED_DIR"]))


def test_every_feed_file_comes_from_the_bucket_byte_identical_with_its_cache_rule(
    published: Flask, web: Flask
) -> None:
    assert not Path(web.config["FEED_DIR"]).exists()
    client = web.test_client()
    files = published_files(published)
    assert {"index.json", "keys.json", "atom.xml", "log/checkpoint"} <= set(files)
    assert any(name.startswith("log/tile/") for name in files)
    assert any(name.startswith("snapshot/") for name in files)
    for name, path in files.items():
        response = client.get(f"/feed/{name}")
        assert response.status_code == 200, name
        assert response.data == path.read_bytes(), name
        assert response.headers["Cache-Control"] == cache_control(name), name
        assert response.headers["Content-Type"] == content_type(name), name
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert response.headers["ETag"], name
    head = client.get("/feed/")
    assert head.data == files["index.json"].read_bytes()
    assert head.headers["Cache-Control"] == "public, max-age=60, must-revalidate"


def test_conditional_and_range_requests_work_against_the_bucket(
    published: Flask, web: Flask
) -> None:
    client = web.test_client()
    snapshot = next(name for name in published_files(published) if name.startswith("snapshot/"))
    body = published_files(published)[snapshot].read_bytes()
    first = client.get(f"/feed/{snapshot}")
    etag = first.headers["ETag"]
    again = client.get(f"/feed/{snapshot}", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    since = client.get(
        f"/feed/{snapshot}", headers={"If-Modified-Since": first.headers["Last-Modified"]}
    )
    assert since.status_code == 304
    part = client.get(f"/feed/{snapshot}", headers={"Range": "bytes=5-24"})
    assert part.status_code == 206
    assert part.data == body[5:25]
    assert part.headers["Content-Range"] == f"bytes 5-24/{len(body)}"


@pytest.mark.parametrize(
    "path", ["snapshot/999999.jsonl", "log/tile/0/x999", "../outside", "log/../index.json"]
)
def test_a_missing_or_escaping_object_is_a_404(web: Flask, path: str) -> None:
    response = web.test_client().get(f"/feed/{path}")
    assert response.status_code == 404


def test_registry_verify_over_http_passes_against_a_web_node_serving_the_bucket(
    published: Flask, web: Flask
) -> None:
    keys = key_store(published).public_keys()
    server = make_server("127.0.0.1", 0, web, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        report = verify_feed(
            HttpSource(f"http://127.0.0.1:{server.server_port}/feed/"),
            vkey=next(k["note_vkey"] for k in keys if k["use"] == "checkpoint"),
            workers=1,
        )
    finally:
        server.shutdown()
        thread.join()
    assert report.ok, report.failures
    assert report.version is not None


def test_the_downloads_page_lists_the_bucket_feed(published: Flask, web: Flask) -> None:
    index = json.loads(published_files(published)["index.json"].read_bytes())["signed"]
    snapshot = next(r["path"] for r in index["resources"] if r["name"] == "snapshot")
    page = web.test_client().get("/downloads")
    assert page.status_code == 200
    assert f'href="/feed/{snapshot}"' in page.get_data(as_text=True)


def test_a_stopped_store_gives_503_with_a_log_line_and_readyz_says_so(
    store: S3Server, web: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    client = web.test_client()
    assert client.get("/feed/log/checkpoint").status_code == 200
    store.stop()
    with caplog.at_level(logging.WARNING, logger="api.feed"):
        for path in ("/feed/", "/feed/log/checkpoint", "/feed/keys.json"):
            response = client.get(path)
            assert response.status_code == 503, path
            assert response.get_json()["code"] == "feed_store_unavailable"
        page = client.get("/downloads")
        assert page.status_code == 503
    logged = [r.getMessage() for r in caplog.records if r.name == "api.feed"]
    assert any("feed store unavailable during GET /feed/" in line for line in logged)
    assert any("is unreachable" in line for line in logged)
    assert all(SECRET_KEY not in line for line in logged)
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert "unreachable" in ready.get_json()["checks"]["feed"]["detail"]

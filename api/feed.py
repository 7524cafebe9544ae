"""Serves the disclosure feed directory at `/feed/` with the right caching.

Immutable files (snapshots, deltas, exports, full tiles) are cached for a year; the mutable
head (`index.json`, `log/checkpoint`, `atom.xml`, `keys.json`, partial tiles) for a minute.
Any static web server or object store can serve the same directory with the same rules.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, Response, current_app, send_from_directory
from werkzeug.exceptions import NotFound

bp = Blueprint("feed", __name__)

CONTENT_TYPES = {
    ".json": "application/json",
    ".jsonl": "application/x-ndjson",
    ".csv": "text/csv; charset=utf-8",
    ".xml": "application/atom+xml",
}
MUTABLE = {"index.json", "keys.json", "atom.xml", "log/checkpoint"}


def cache_control(path: str) -> str:
    """The Cache-Control value for a feed path."""
    if path in MUTABLE or ".p/" in path:
        return "public, max-age=60, must-revalidate"
    return "public, max-age=31536000, immutable"


def content_type(path: str) -> str:
    """The media type for a feed path (tiles and the checkpoint are opaque or plain text)."""
    if path == "log/checkpoint":
        return "text/plain; charset=utf-8"
    if path.startswith("log/tile/"):
        return "application/octet-stream"
    suffix = path[path.rfind(".") :] if "." in path.rsplit("/", 1)[-1] else ""
    return CONTENT_TYPES.get(suffix, "application/octet-stream")


@bp.get("/feed/")
def feed_head() -> Response:
    """The signed head of the feed."""
    return feed_file("index.json")


@bp.get("/feed/<path:path>")
def feed_file(path: str) -> Response:
    """One file of the feed, with ETag / Last-Modified and conditional requests."""
    root = Path(current_app.config["FEED_DIR"]).resolve()
    # A symbolic link inside the feed folder must not serve a file from outside it.
    if not (root / path).resolve().is_relative_to(root):
        raise NotFound()
    response = send_from_directory(root, path, conditional=True, etag=True, max_age=None)
    response.headers["Cache-Control"] = cache_control(path)
    response.headers["Content-Type"] = content_type(path)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def init_app(app: Flask) -> None:
    """Register the feed route."""
    app.register_blueprint(bp)

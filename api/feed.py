"""Serves the disclosure feed directory at `/feed/` with the right caching.

Immutable files (snapshots, deltas, exports, full tiles) are cached for a year; the mutable
head (`index.json`, `log/checkpoint`, `atom.xml`, `keys.json`, partial tiles) for a minute.
The rules live in registry/publication/feed_http.py, shared with the object-storage upload.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, Response, current_app, send_from_directory
from werkzeug.exceptions import NotFound

from registry.publication.feed_http import cache_control, content_type

bp = Blueprint("feed", __name__)


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

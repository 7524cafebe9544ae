"""Serves the disclosure feed at `/feed/` with the right caching, from disk or the bucket.

Immutable files (snapshots, deltas, exports, full tiles) are cached for a year; the mutable
head (`index.json`, `log/checkpoint`, `atom.xml`, `keys.json`, partial tiles) for a minute.
The rules live in registry/publication/feed_http.py, shared with the object-storage upload.

Without a bucket the files come from the local feed folder (`FEED_DIR`). With a bucket
configured (`REGISTRY_FEED_S3_*`) they come from the bucket, streamed through the web node,
so a web node needs no local feed folder and serves exactly what consumers of the bucket
see. The web node proxies rather than redirects: `/feed/` stays on the site's own origin,
which the entry page's in-browser signature check reads `keys.json` from. A missing object
is a 404; an unreachable store a 503 (`feed_store_unavailable`, logged), never a 500.
"""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Blueprint, Flask, Response, current_app, request, send_from_directory
from werkzeug.exceptions import NotFound

from api.errors import error_response
from registry.publication.feed_http import cache_control, content_type
from runtime.feed_store import FeedBucket, ObjectStoreError, serving_bucket

log = logging.getLogger(__name__)

bp = Blueprint("feed", __name__)


@bp.get("/feed/")
def feed_head() -> Response:
    """The signed head of the feed."""
    return feed_file("index.json")


@bp.get("/feed/<path:path>")
def feed_file(path: str) -> Response:
    """One file of the feed, with ETag / Last-Modified and conditional requests."""
    bucket = feed_bucket()
    if bucket is not None:
        response = _from_bucket(bucket, path)
    else:
        root = Path(current_app.config["FEED_DIR"]).resolve()
        # A symbolic link inside the feed folder must not serve a file from outside it.
        if not (root / path).resolve().is_relative_to(root):
            raise NotFound()
        response = send_from_directory(root, path, conditional=True, etag=True, max_age=None)
    response.headers["Cache-Control"] = cache_control(path)
    response.headers["Content-Type"] = content_type(path)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def feed_bucket() -> FeedBucket | None:
    """The bucket the feed is served from, or None when it is served from the local folder."""
    return serving_bucket(current_app.extensions, current_app.config["REGISTRY"])


def read_feed_file(path: str) -> bytes | None:
    """The whole content of one feed file (the index, for the downloads page), or None.

    Raises ObjectStoreError when the bucket cannot be reached.
    """
    bucket = feed_bucket()
    if bucket is not None:
        return bucket.get(path)
    try:
        return (Path(current_app.config["FEED_DIR"]) / path).read_bytes()
    except OSError:
        return None


def _valid_key(path: str) -> bool:
    # A key the publisher could have written: relative, no empty, dot or dot-dot segment.
    # (Some S3-compatible stores map keys to files, where `..` would leave the bucket.)
    parts = path.split("/")
    return all(part not in ("", ".", "..") and not part.startswith(".") for part in parts)


def _from_bucket(bucket: FeedBucket, path: str) -> Response:
    if not _valid_key(path):
        raise NotFound()
    found = bucket.open(path)
    if found is None:
        raise NotFound()
    response = Response(found.chunks(), direct_passthrough=True)
    response.call_on_close(found.close)
    response.content_length = found.size
    if found.etag:
        response.headers["ETag"] = found.etag
    if found.last_modified is not None:
        response.last_modified = found.last_modified
    # Answers If-None-Match, If-Modified-Since and Range as send_from_directory does.
    response.make_conditional(request, accept_ranges=True, complete_length=found.size)
    if response.status_code == 304:
        found.close()
    return response


def _store_unavailable(error: ObjectStoreError) -> tuple[Response, int]:
    log.warning("feed store unavailable during %s %s: %s", request.method, request.path, error)
    return error_response(
        503, "feed_store_unavailable", "the feed's object storage is unavailable; retry shortly"
    )


def init_app(app: Flask) -> None:
    """Register the feed route, and the 503 for an unreachable object store."""
    app.register_blueprint(bp)
    app.register_error_handler(ObjectStoreError, _store_unavailable)

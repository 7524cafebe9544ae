"""How feed files are served over HTTP: cache lifetime and media type of each feed path.

The same rules apply wherever the feed is served from: the web process's `/feed/` route
(api/feed.py) and the object storage behind a CDN (publisher/object_store.py). Immutable
files (snapshots, deltas, exports, full tiles) are cached for a year; the mutable head
(`index.json`, `log/checkpoint`, `atom.xml`, `keys.json`, partial tiles) for a minute, and
never beyond the expiry of the index it belongs to.
"""

from __future__ import annotations

MUTABLE = frozenset({"index.json", "keys.json", "atom.xml", "log/checkpoint"})
HEAD_MAX_AGE = 60
IMMUTABLE_CACHE = "public, max-age=31536000, immutable"
CONTENT_TYPES = {
    ".json": "application/json",
    ".jsonl": "application/x-ndjson",
    ".csv": "text/csv; charset=utf-8",
    ".xml": "application/atom+xml",
}


def is_mutable(path: str) -> bool:
    """Whether a feed path is replaced by later runs (the head), rather than written once."""
    return path in MUTABLE


def cache_control(path: str, expires_in: int | None = None) -> str:
    """The Cache-Control value for a feed path; `expires_in` caps the head's lifetime (s)."""
    if path in MUTABLE or ".p/" in path:
        max_age = HEAD_MAX_AGE if expires_in is None else max(0, min(HEAD_MAX_AGE, expires_in))
        return f"public, max-age={max_age}, must-revalidate"
    return IMMUTABLE_CACHE


def content_type(path: str) -> str:
    """The media type for a feed path (tiles and the checkpoint are opaque or plain text)."""
    if path == "log/checkpoint":
        return "text/plain; charset=utf-8"
    if path.startswith("log/tile/"):
        return "application/octet-stream"
    suffix = path[path.rfind(".") :] if "." in path.rsplit("/", 1)[-1] else ""
    return CONTENT_TYPES.get(suffix, "application/octet-stream")

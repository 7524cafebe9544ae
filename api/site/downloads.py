"""What the published feed offers, read from its head (`index.json`) for the downloads page.

The index comes from wherever `/feed/` serves it: the local feed folder, or the bucket.

The page only lists and links the files; checking the index signature is the reader's job
(`registry verify`), so nothing here vouches for the files.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

FEED_URL = "/feed/"


@dataclass(frozen=True)
class FeedFile:
    """One downloadable file named in the feed index."""

    name: str
    url: str
    sha256: str
    size: int
    count: int | None


@dataclass(frozen=True)
class FeedHead:
    """The current feed version and its files."""

    version: int
    issued_at: str
    expires: str
    files: tuple[FeedFile, ...]
    # The snapshot, CSV and FTM files are also listed as chunks (docs/feed-chunks.md): counted
    # here rather than shown one per row.
    chunks: int = 0


def read_feed_head(index: bytes | None) -> FeedHead | None:
    """The feed's current head from the bytes of `index.json`; None when absent or unreadable."""
    if index is None:
        return None
    try:
        signed = json.loads(index)["signed"]
        version, issued_at, expires = signed["version"], signed["issued_at"], signed["expires"]
    except (ValueError, KeyError, TypeError):
        return None
    records: list[Any] = list(signed.get("resources") or [])
    if isinstance(signed.get("delta"), dict):
        records.append({"name": "delta", **signed["delta"]})
    chunks = [r for r in records if isinstance(r, dict) and "/" in str(r.get("name"))]
    files = tuple(
        item
        for item in (_feed_file(r) for r in records if not any(r is c for c in chunks))
        if item is not None
    )
    return FeedHead(int(version), str(issued_at), str(expires), files, len(chunks))


def _feed_file(record: Any) -> FeedFile | None:
    if not isinstance(record, dict) or not isinstance(record.get("path"), str):
        return None
    path = record["path"].lstrip("/")
    if not path or ".." in path.split("/"):
        return None
    count = record.get("count")
    return FeedFile(
        name=str(record.get("name") or path),
        url=FEED_URL + path,
        sha256=str(record.get("sha256") or ""),
        size=int(record.get("size") or 0),
        count=count if isinstance(count, int) and not isinstance(count, bool) else None,
    )


def human_size(size: int) -> str:
    """A byte count for people: 512 B, 12.3 KB, 4.0 MB."""
    if size < 1024:
        return f"{size} B"
    value = size / 1024
    for unit in ("KB", "MB"):
        if value < 1024:
            return f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"

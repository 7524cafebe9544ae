"""Publish the feed to S3-compatible object storage (boto3), in the same crash-safe order.

The publisher writes each version to its local feed folder first (publisher/feed_files.py);
the upload then copies it to the bucket in the order a reader needs: every immutable object
(log tiles, snapshot, CSV, FollowTheMoney and delta files) that the bucket lacks, then
`keys.json` and `log/checkpoint`, then `index.json`, then `atom.xml`. A run that fails or is
killed before the index leaves the bucket's previous index naming complete objects; the next
run lists the bucket and uploads whatever is missing, so it catches up by itself.

An immutable object already in the bucket is never overwritten: a tile of another size there
is an error. Old snapshot, CSV, FollowTheMoney and delta files are the one exception: when an
entry's content is purged, redaction shortens them (publisher/redaction.py), and the
shortened file must replace the one in the bucket too. The bucket client and its settings
are runtime/feed_store.py's, shared with the web nodes that serve the feed from the
bucket. Cache headers follow
registry/publication/feed_http.py, so a CDN in front of the bucket caches immutable objects
for a year and the head never beyond the index's expiry.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from publisher.chunks import is_chunk_path
from registry.errors import Conflict
from registry.publication.feed_http import is_mutable
from runtime.feed_store import FeedBucket, ObjectStoreError, ObjectStoreSettings

__all__ = [
    "FeedBucket",
    "ImmutableObjectChanged",
    "ObjectStoreError",
    "ObjectStoreSettings",
    "local_files",
    "missing_objects",
    "upload_feed",
]

# The head, in the order it is uploaded once every immutable object is in the bucket.
HEAD_ORDER = ("keys.json", "log/checkpoint", "index.json", "atom.xml")
# Files that redaction may shorten after publication (see the module docstring).
REDACTABLE = ("snapshot/", "ftm/", "delta/")
UPLOAD_THREADS = 8


class ImmutableObjectChanged(Conflict):
    """An immutable object already in the bucket differs from the published file."""

    code = "immutable_object_changed"


def local_files(feed_dir: Path) -> dict[str, Path]:
    """Every feed file in the local folder by feed path, without a killed run's temporaries."""
    files: dict[str, Path] = {}
    for directory, _subdirectories, names in os.walk(feed_dir):
        for name in names:
            if not name.startswith("."):
                path = Path(directory) / name
                files[path.relative_to(feed_dir).as_posix()] = path
    return files


def missing_objects(local: Mapping[str, Path], in_bucket: Mapping[str, int]) -> list[str]:
    """The immutable feed paths to upload: absent from the bucket, or redacted since."""
    upload = []
    for name, path in sorted(local.items()):
        if is_mutable(name):
            continue
        size = path.stat().st_size
        if name not in in_bucket:
            upload.append(name)
        elif in_bucket[name] != size:
            if not name.startswith(REDACTABLE):
                raise ImmutableObjectChanged(
                    f"{name} is already in the bucket with {in_bucket[name]} bytes, not "
                    f"{size}; published objects are immutable, so the bucket must not hold "
                    "another feed's files under this prefix"
                )
            upload.append(name)
    return upload


def upload_feed(
    feed_dir: Path,
    bucket: FeedBucket,
    expires: dt.datetime,
    now: dt.datetime,
    progress: Callable[[str], None] = lambda _message: None,
) -> int:
    """Copy the local feed to the bucket, immutable objects first, the head last; return count.

    Call once the local `index.json` of the version is written; `expires` is its expiry.
    """
    local = local_files(feed_dir)
    in_bucket = bucket.sizes()
    upload = missing_objects(local, in_bucket)
    progress(f"uploading {len(upload)} new feed objects to {bucket.settings.where}")
    with ThreadPoolExecutor(UPLOAD_THREADS) as pool:
        # list() waits for every upload and re-raises the first failure, before the head.
        list(pool.map(lambda name: bucket.put(name, local[name]), upload))
    expires_in = int((expires - now).total_seconds())
    head = [name for name in HEAD_ORDER if name in local]
    for name in head:
        bucket.put(name, local[name], expires_in)
    # Chunks deleted locally (a purge's) go from the bucket too, once the index no longer
    # lists them; pruned files are deleted by the caller.
    stale = [name for name in in_bucket if is_chunk_path(name) and name not in local]
    if stale:
        bucket.delete(stale)
    return len(upload) + len(head)

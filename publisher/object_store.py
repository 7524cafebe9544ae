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
shortened file must replace the one in the bucket too. Cache headers follow
registry/publication/feed_http.py, so a CDN in front of the bucket caches immutable objects
for a year and the head never beyond the index's expiry.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from publisher.chunks import is_chunk_path
from registry.errors import Conflict, InvalidValue
from registry.publication.feed_http import cache_control, content_type, is_mutable

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import ObjectIdentifierTypeDef

# The head, in the order it is uploaded once every immutable object is in the bucket.
HEAD_ORDER = ("keys.json", "log/checkpoint", "index.json", "atom.xml")
# Files that redaction may shorten after publication (see the module docstring).
REDACTABLE = ("snapshot/", "ftm/", "delta/")
UPLOAD_THREADS = 8
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\Z")
_AUTH_CODES = {
    "AccessDenied",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "InvalidToken",
    "ExpiredToken",
    "403",
}
_MISSING_BUCKET_CODES = {"NoSuchBucket", "404"}


class ObjectStoreError(RuntimeError):
    """The object store refused or could not be reached; the bucket's feed is unchanged."""


class ImmutableObjectChanged(Conflict):
    """An immutable object already in the bucket differs from the published file."""

    code = "immutable_object_changed"


@dataclass(frozen=True)
class ObjectStoreSettings:
    """Where the feed goes in object storage: bucket, key prefix, endpoint, credentials."""

    bucket: str
    prefix: str = ""
    endpoint: str | None = None
    region: str = "us-east-1"
    access_key: str | None = None
    secret_key: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not _BUCKET.match(self.bucket) or ".." in self.bucket:
            reason = f"must be an S3 bucket name (3-63 of a-z 0-9 . -), got {self.bucket!r}"
            raise InvalidValue("REGISTRY_FEED_S3_BUCKET", reason)
        parts = self.prefix.strip("/").split("/") if self.prefix.strip("/") else []
        if self.prefix.startswith("/") or any(part in ("", ".", "..") for part in parts):
            reason = f"must be a relative key prefix like 'feed/', got {self.prefix!r}"
            raise InvalidValue("REGISTRY_FEED_S3_PREFIX", reason)
        if self.endpoint is not None:
            url = urlsplit(self.endpoint)
            if url.scheme not in ("http", "https") or not url.hostname:
                reason = (
                    f"must be an http(s) URL such as https://s3.example.org, not {self.endpoint!r}"
                )
                raise InvalidValue("REGISTRY_FEED_S3_ENDPOINT", reason)
        if (self.access_key is None) != (self.secret_key is None):
            reason = "set REGISTRY_FEED_S3_ACCESS_KEY and REGISTRY_FEED_S3_SECRET_KEY together"
            raise InvalidValue("REGISTRY_FEED_S3_SECRET_KEY", reason)

    @property
    def key_prefix(self) -> str:
        """The prefix every feed key starts with: empty, or ending in one slash."""
        stripped = self.prefix.strip("/")
        return f"{stripped}/" if stripped else ""

    @property
    def where(self) -> str:
        """The bucket and endpoint, for messages (never the credentials)."""
        return f"bucket {self.bucket!r} at {self.endpoint or 'AWS S3'}"

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> ObjectStoreSettings | None:
        """The object store of the `REGISTRY` settings mapping; None when no bucket is set."""
        if not settings.get("FEED_S3_BUCKET"):
            return None
        return cls(
            bucket=settings["FEED_S3_BUCKET"],
            prefix=settings.get("FEED_S3_PREFIX") or "",
            endpoint=settings.get("FEED_S3_ENDPOINT") or None,
            region=settings.get("FEED_S3_REGION") or "us-east-1",
            access_key=settings.get("FEED_S3_ACCESS_KEY") or None,
            secret_key=settings.get("FEED_S3_SECRET_KEY") or None,
        )


def _explain(settings: ObjectStoreSettings, action: str, error: Exception) -> str:
    where = settings.where
    if isinstance(error, NoCredentialsError):
        cause = "no credentials: set REGISTRY_FEED_S3_ACCESS_KEY and REGISTRY_FEED_S3_SECRET_KEY"
    elif isinstance(error, ClientError):
        code = str(error.response.get("Error", {}).get("Code", ""))
        if code in _MISSING_BUCKET_CODES:
            cause = f"{where} does not exist (create it, or fix REGISTRY_FEED_S3_BUCKET)"
        elif code in _AUTH_CODES:
            cause = (
                f"{where} refused the credentials ({code}): check REGISTRY_FEED_S3_ACCESS_KEY "
                "and REGISTRY_FEED_S3_SECRET_KEY"
            )
        else:
            cause = f"{where} answered {code}: {error}"
    else:
        cause = f"{where} is unreachable: {error}"
    return (
        f"object storage failed while {action}: {cause}; the bucket still serves its previous "
        "complete feed, and the next run uploads what is missing"
    )


class FeedBucket:
    """The feed's objects in one bucket, under one prefix."""

    def __init__(self, settings: ObjectStoreSettings, client: S3Client | None = None) -> None:
        self.settings = settings
        self.client = client or boto3.client(
            "s3",
            endpoint_url=settings.endpoint,
            region_name=settings.region,
            aws_access_key_id=settings.access_key,
            aws_secret_access_key=settings.secret_key,
            config=Config(
                connect_timeout=5,
                read_timeout=60,
                retries={"max_attempts": 3, "mode": "standard"},
                s3={"addressing_style": "path"},
                max_pool_connections=UPLOAD_THREADS * 2,
            ),
        )

    @contextmanager
    def _errors(self, action: str) -> Iterator[None]:
        try:
            yield
        except (BotoCoreError, ClientError) as error:
            raise ObjectStoreError(_explain(self.settings, action, error)) from error

    def key(self, name: str) -> str:
        """The object key of feed path `name`."""
        return self.settings.key_prefix + name

    def sizes(self) -> dict[str, int]:
        """Every feed path in the bucket, with its size."""
        prefix = self.settings.key_prefix
        found: dict[str, int] = {}
        with self._errors("listing the bucket"):
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.settings.bucket, Prefix=prefix
            )
            for page in pages:
                for item in page.get("Contents", []):
                    found[item["Key"][len(prefix) :]] = item["Size"]
        return found

    def put(self, name: str, path: Path, expires_in: int | None = None) -> None:
        """Upload the local file `path` as feed path `name`, with its cache headers."""
        with self._errors(f"uploading {name}"), path.open("rb") as body:
            self.client.put_object(
                Bucket=self.settings.bucket,
                Key=self.key(name),
                Body=body,
                CacheControl=cache_control(name, expires_in),
                ContentType=content_type(name),
            )

    def get(self, name: str) -> bytes | None:
        """The content of feed path `name`, or None when the bucket has no such object."""
        with self._errors(f"reading {name}"):
            try:
                response = self.client.get_object(Bucket=self.settings.bucket, Key=self.key(name))
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                    return None
                raise
            data: bytes = response["Body"].read()
            return data

    def delete(self, names: Iterable[str]) -> None:
        """Delete feed paths from the bucket (absent ones are no error)."""
        keys: list[ObjectIdentifierTypeDef] = [{"Key": self.key(name)} for name in names]
        with self._errors("deleting pruned files"):
            for first in range(0, len(keys), 1000):
                self.client.delete_objects(
                    Bucket=self.settings.bucket, Delete={"Objects": keys[first : first + 1000]}
                )


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

"""The feed's S3-compatible bucket: its settings, and reading and writing its objects (boto3).

The publisher uploads each version here (publisher/object_store.py); with a bucket
configured, the web nodes read the feed from it too (api/feed.py), so a web node needs no
local feed folder. Errors of the store (unreachable, missing bucket, refused credentials)
become `ObjectStoreError`, whose message names the bucket, the endpoint and the variable to
fix, never the secret.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from registry.errors import InvalidValue
from registry.publication.feed_http import cache_control, content_type

if TYPE_CHECKING:
    from botocore.response import StreamingBody
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import ObjectIdentifierTypeDef

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


@dataclass(frozen=True)
class ObjectStoreSettings:
    """Where the feed goes in object storage: bucket, key prefix, endpoint, credentials.

    `variables` starts the names of the bucket's and prefix's settings, which messages name:
    the feed's by default, the screening index's for its private bucket (runtime/index_store.py).
    """

    bucket: str
    prefix: str = ""
    endpoint: str | None = None
    region: str = "us-east-1"
    access_key: str | None = None
    secret_key: str | None = field(default=None, repr=False)
    variables: str = "REGISTRY_FEED_S3"

    def __post_init__(self) -> None:
        if not _BUCKET.match(self.bucket) or ".." in self.bucket:
            reason = f"must be an S3 bucket name (3-63 of a-z 0-9 . -), got {self.bucket!r}"
            raise InvalidValue(f"{self.variables}_BUCKET", reason)
        parts = self.prefix.strip("/").split("/") if self.prefix.strip("/") else []
        if self.prefix.startswith("/") or any(part in ("", ".", "..") for part in parts):
            reason = f"must be a relative key prefix like 'feed/', got {self.prefix!r}"
            raise InvalidValue(f"{self.variables}_PREFIX", reason)
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


# What stays as it was when the feed's bucket fails.
FEED_KEPT = (
    "the bucket still serves its previous complete feed, and the next run uploads what is missing"
)


def _explain(
    settings: ObjectStoreSettings, action: str, error: Exception, kept: str = FEED_KEPT
) -> str:
    where = settings.where
    if isinstance(error, NoCredentialsError):
        cause = "no credentials: set REGISTRY_FEED_S3_ACCESS_KEY and REGISTRY_FEED_S3_SECRET_KEY"
    elif isinstance(error, ClientError):
        code = str(error.response.get("Error", {}).get("Code", ""))
        if code in _MISSING_BUCKET_CODES:
            cause = f"{where} does not exist (create it, or fix {settings.variables}_BUCKET)"
        elif code in _AUTH_CODES:
            cause = (
                f"{where} refused the credentials ({code}): check REGISTRY_FEED_S3_ACCESS_KEY "
                "and REGISTRY_FEED_S3_SECRET_KEY"
            )
        else:
            cause = f"{where} answered {code}: {error}"
    else:
        cause = f"{where} is unreachable: {error}"
    return f"object storage failed while {action}: {cause}; {kept}"


@dataclass(frozen=True)
class BucketTimeouts:
    """How long a client waits for the store, how often it retries, how many connections."""

    connect: float
    read: float
    attempts: int
    connections: int


# The publisher uploads eight objects at a time and can wait: a run is retried anyway.
PUBLISHING = BucketTimeouts(connect=5, read=60, attempts=3, connections=16)
# A web request must fail fast when the store is down (503), not hold a worker for minutes.
SERVING = BucketTimeouts(connect=3, read=20, attempts=2, connections=10)
_MISSING_OBJECT_CODES = ("NoSuchKey", "404")
STREAM_CHUNK = 64 * 1024


@dataclass
class FeedObject:
    """One feed object opened for reading: its body stream and what HTTP needs about it."""

    body: StreamingBody | None
    size: int
    etag: str | None
    last_modified: dt.datetime | None

    def chunks(self) -> Iterator[bytes]:
        """The body in pieces of STREAM_CHUNK bytes, closing the stream at the end."""
        if self.body is None:
            return
        try:
            yield from self.body.iter_chunks(STREAM_CHUNK)
        finally:
            self.close()

    def close(self) -> None:
        """Release the connection (also when the body is not read, e.g. for a 304)."""
        if self.body is not None:
            self.body.close()
            self.body = None


class FeedBucket:
    """The feed's objects in one bucket, under one prefix."""

    def __init__(
        self,
        settings: ObjectStoreSettings,
        client: S3Client | None = None,
        timeouts: BucketTimeouts = PUBLISHING,
    ) -> None:
        self.settings = settings
        self.client = client or boto3.client(
            "s3",
            endpoint_url=settings.endpoint,
            region_name=settings.region,
            aws_access_key_id=settings.access_key,
            aws_secret_access_key=settings.secret_key,
            config=Config(
                connect_timeout=timeouts.connect,
                read_timeout=timeouts.read,
                retries={"max_attempts": timeouts.attempts, "mode": "standard"},
                s3={"addressing_style": "path"},
                max_pool_connections=timeouts.connections,
            ),
        )

    @contextmanager
    def errors(self, action: str, kept: str = FEED_KEPT) -> Iterator[None]:
        """Errors of the store while doing `action` as `ObjectStoreError`, saying what is `kept`."""
        try:
            yield
        except (BotoCoreError, ClientError) as error:
            raise ObjectStoreError(_explain(self.settings, action, error, kept)) from error

    def key(self, name: str) -> str:
        """The object key of feed path `name`."""
        return self.settings.key_prefix + name

    def sizes(self) -> dict[str, int]:
        """Every feed path in the bucket, with its size."""
        prefix = self.settings.key_prefix
        found: dict[str, int] = {}
        with self.errors("listing the bucket"):
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.settings.bucket, Prefix=prefix
            )
            for page in pages:
                for item in page.get("Contents", []):
                    found[item["Key"][len(prefix) :]] = item["Size"]
        return found

    def put(self, name: str, path: Path, expires_in: int | None = None) -> None:
        """Upload the local file `path` as feed path `name`, with its cache headers."""
        with self.errors(f"uploading {name}"), path.open("rb") as body:
            self.client.put_object(
                Bucket=self.settings.bucket,
                Key=self.key(name),
                Body=body,
                CacheControl=cache_control(name, expires_in),
                ContentType=content_type(name),
            )

    def get(self, name: str, kept: str = FEED_KEPT) -> bytes | None:
        """The content of feed path `name`, or None when the bucket has no such object."""
        with self.errors(f"reading {name}", kept):
            try:
                response = self.client.get_object(Bucket=self.settings.bucket, Key=self.key(name))
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") in _MISSING_OBJECT_CODES:
                    return None
                raise
            data: bytes = response["Body"].read()
            return data

    def delete(self, names: Iterable[str]) -> None:
        """Delete feed paths from the bucket (absent ones are no error)."""
        keys: list[ObjectIdentifierTypeDef] = [{"Key": self.key(name)} for name in names]
        with self.errors("deleting pruned files"):
            for first in range(0, len(keys), 1000):
                self.client.delete_objects(
                    Bucket=self.settings.bucket, Delete={"Objects": keys[first : first + 1000]}
                )

    def size(self, name: str, kept: str = FEED_KEPT) -> int | None:
        """The size of the object of path `name`, or None when the bucket has no such object."""
        with self.errors(f"looking for {name}", kept):
            try:
                head = self.client.head_object(Bucket=self.settings.bucket, Key=self.key(name))
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") in _MISSING_OBJECT_CODES:
                    return None
                raise
            return int(head["ContentLength"])

    def open(self, name: str, kept: str = FEED_KEPT) -> FeedObject | None:
        """Open feed path `name` for streaming; None when the bucket has no such object.

        Conditional requests are answered by the caller from the ETag and date it returns
        (botocore cannot parse a store's body-less 304 to a conditional GET).
        """
        with self.errors(f"reading {name}", kept):
            try:
                response = self.client.get_object(Bucket=self.settings.bucket, Key=self.key(name))
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") in _MISSING_OBJECT_CODES:
                    return None
                raise
        return FeedObject(
            body=response["Body"],
            size=int(response.get("ContentLength", 0)),
            etag=response.get("ETag"),
            last_modified=response.get("LastModified"),
        )


def serving_bucket(extensions: dict[str, Any], settings: Mapping[str, Any]) -> FeedBucket | None:
    """The app's bucket client for serving the feed, made once; None without a bucket.

    `extensions` is the app's extension mapping, where the client is kept between requests
    (a boto3 client is thread-safe and pools its connections).
    """
    store = ObjectStoreSettings.from_settings(settings)
    if store is None:
        return None
    cached = extensions.get("feed_serving_bucket")
    if isinstance(cached, FeedBucket) and cached.settings == store:
        return cached
    bucket = FeedBucket(store, timeouts=SERVING)
    extensions["feed_serving_bucket"] = bucket
    return bucket

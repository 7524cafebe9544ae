"""The screening index file shared through a private bucket: the publisher puts, web nodes pull.

Every web worker maps the screening index file the publisher writes (docs/screening.md). On
more than one machine the file has to reach each web node; without it, every worker of a node
indexes the whole list in memory. With `REGISTRY_SCREENING_INDEX_S3_BUCKET` set, the publisher
uploads the file after each run that wrote it, and each web node runs
`registry screening-index pull --watch` beside its workers to download it when it changes.

The bucket is private and never the public feed's: the file holds full identifiers. It holds,
under its prefix:

    screening-<format>-<sha256>.index   a file, named by its format version and its SHA-256;
                                        written once, never overwritten
    current.json                        which file is current: {"format", "stamp", "size",
                                        "sha256", "object"}

The publisher uploads the file first and `current.json` last, so a run that fails between the
two leaves the previous pointer naming a complete object, and the next run uploads again. It
keeps the file `current.json` named before, which a node may still be downloading, and deletes
older ones; a file the pointer names but the bucket lost is uploaded again. A node downloads
beside its own file under a temporary name, checks the size, the SHA-256 and the header, and
renames it over its file: its workers map the new file on their next request
(registry/screening/shared_index.py: SharedIndex), and keep the old one if the download fails.
Endpoint, region and credentials are the feed's (`REGISTRY_FEED_S3_*`).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from registry.errors import InvalidValue
from registry.screening.matching.index_file import FORMAT_VERSION, read_header
from runtime.feed_store import FeedBucket, ObjectStoreError, ObjectStoreSettings

POINTER = "current.json"
_OBJECT = re.compile(r"screening-\d+-[0-9a-f]{64}\.index\Z")
# Bytes read, hashed and reported at a time.
_PIECE = 1 << 20
# The publisher's failures keep the nodes' files; a node's failures keep its own.
PUBLISHER_KEPT = (
    "the web nodes keep the screening index file they have, and the next run uploads it again"
)
NODE_KEPT = "this node keeps its screening index file, and the next pull tries again"

Progress = Callable[[str], None]


def index_store_settings(settings: Mapping[str, Any]) -> ObjectStoreSettings | None:
    """The screening index's bucket from the `REGISTRY` settings; None when none is set."""
    bucket = settings.get("SCREENING_INDEX_S3_BUCKET")
    if not bucket:
        return None
    if bucket == settings.get("FEED_S3_BUCKET"):
        raise InvalidValue(
            "REGISTRY_SCREENING_INDEX_S3_BUCKET",
            "must be a private bucket, not the public feed's (REGISTRY_FEED_S3_BUCKET): "
            "the screening index holds full identifiers",
        )
    return ObjectStoreSettings(
        bucket=bucket,
        prefix=settings.get("SCREENING_INDEX_S3_PREFIX") or "",
        endpoint=settings.get("FEED_S3_ENDPOINT") or None,
        region=settings.get("FEED_S3_REGION") or "us-east-1",
        access_key=settings.get("FEED_S3_ACCESS_KEY") or None,
        secret_key=settings.get("FEED_S3_SECRET_KEY") or None,
        variables="REGISTRY_SCREENING_INDEX_S3",
    )


@dataclass(frozen=True)
class IndexPointer:
    """What `current.json` says: the current file's format, stamp, size and SHA-256."""

    format: int
    stamp: str
    size: int
    sha256: str

    @property
    def object(self) -> str:
        """The name of the file's object under the prefix."""
        return f"screening-{self.format}-{self.sha256}.index"

    def to_json(self) -> bytes:
        """The pointer as `current.json` holds it."""
        return json.dumps({**asdict(self), "object": self.object}, sort_keys=True).encode()

    @classmethod
    def from_json(cls, data: bytes) -> IndexPointer:
        """The pointer in `data`; InvalidValue if it is not one."""
        try:
            fields = json.loads(data)
            pointer = cls(
                format=int(fields["format"]),
                stamp=str(fields["stamp"]),
                size=int(fields["size"]),
                sha256=str(fields["sha256"]),
            )
        except (ValueError, KeyError, TypeError):
            pointer = None
        if pointer is None or not _OBJECT.match(pointer.object) or pointer.size < 16:
            raise InvalidValue(POINTER, "is not a screening index pointer")
        return pointer


def _identity(path: Path) -> list[int]:
    status = os.stat(path)
    return [status.st_ino, status.st_mtime_ns, status.st_size]


class _Sidecar:
    """Beside the local file: the SHA-256 of the file as it was when last put or pulled.

    Keyed by the file's inode, modification time and size, so a file replaced since is hashed
    again, and an unchanged one is not (a 1M-subject file is about 500 MB).
    """

    def __init__(self, path: Path, kind: str) -> None:
        self.path = path
        self._file = path.with_name(f".{path.name}.{kind}.json")

    def sha256(self) -> str | None:
        """The recorded SHA-256 if the file is the one it was recorded for."""
        try:
            recorded = json.loads(self._file.read_bytes())
            if recorded["identity"] == _identity(self.path):
                return str(recorded["sha256"])
        except (OSError, ValueError, KeyError, TypeError):
            pass
        return None

    def record(self, sha256: str) -> None:
        """Record the file's SHA-256 for its current identity."""
        data = json.dumps({"identity": _identity(self.path), "sha256": sha256}).encode()
        temporary = self._file.with_name(f"{self._file.name}.{os.getpid()}.tmp")
        temporary.write_bytes(data)
        os.replace(temporary, self._file)


def _read_pieces(path: Path) -> Iterator[bytes]:
    with path.open("rb") as source:
        while piece := source.read(_PIECE):
            yield piece


def _size(count: int) -> str:
    return f"{count / 2**20:,.1f} MB" if count >= 2**20 else f"{count / 2**10:,.1f} KB"


class _Reporter:
    """Progress of a transfer, said every tenth of it (boto3 reports from several threads)."""

    def __init__(self, progress: Progress, verb: str, total: int) -> None:
        self._progress, self._verb, self._total = progress, verb, total
        self._done = 0
        self._tenths = 0
        self._lock = threading.Lock()

    def add(self, count: int) -> None:
        with self._lock:
            self._done += count
            tenths = min(10, self._done * 10 // self._total) if self._total else 0
            if tenths <= self._tenths:
                return
            self._tenths = tenths
            said = f"screening index: {self._verb} {_size(self._done)} of {_size(self._total)}"
        self._progress(said)


class IndexBucket:
    """The screening index's objects in its private bucket, under its prefix."""

    def __init__(self, settings: ObjectStoreSettings) -> None:
        self.settings = settings
        self._bucket = FeedBucket(settings)
        self.client = self._bucket.client

    def pointer(self, kept: str) -> IndexPointer | None:
        """The current pointer, or None when the bucket holds none."""
        data = self._bucket.get(POINTER, kept)
        return None if data is None else IndexPointer.from_json(data)

    def put(self, path: Path, progress: Progress = lambda _message: None) -> str:
        """Upload the local index file at `path` unless the bucket's pointer names it already.

        A file the pointer names but the bucket lost is uploaded again. Returns what was done,
        for the run's report.
        """
        try:
            header = read_header(path)
        except FileNotFoundError:
            return "no screening index file to upload"
        sidecar = _Sidecar(path, "put")
        try:
            current = self.pointer(PUBLISHER_KEPT)
        except InvalidValue:
            current = None  # not a pointer (damaged): the one written below replaces it
        sha256 = sidecar.sha256()
        if sha256 is None:
            digest = hashlib.sha256()
            for piece in _read_pieces(path):
                digest.update(piece)
            sha256 = digest.hexdigest()
        pointer = IndexPointer(
            format=int(header["version"]),
            stamp=str(header.get("stamp", "")),
            size=path.stat().st_size,
            sha256=sha256,
        )
        existing = self._bucket.size(pointer.object, PUBLISHER_KEPT)
        if current == pointer and existing == pointer.size:
            sidecar.record(sha256)
            return "the bucket's screening index is this file"
        if existing is None:  # new, or gone from the bucket: uploaded (again)
            self._upload(path, pointer, progress)
        elif existing != pointer.size:
            raise ObjectStoreError(
                f"{self.settings.where} holds {pointer.object} with {existing} bytes where "
                f"the file has {pointer.size}: an object named by its SHA-256 is never "
                f"replaced; delete it to upload the file again; {PUBLISHER_KEPT}"
            )
        with self._bucket.errors(f"writing {POINTER}", PUBLISHER_KEPT):
            self.client.put_object(
                Bucket=self.settings.bucket,
                Key=self._bucket.key(POINTER),
                Body=pointer.to_json(),
                ContentType="application/json",
                CacheControl="no-store",
            )
        self._prune(keep={pointer.object, *([current.object] if current else [])})
        sidecar.record(sha256)
        return f"uploaded {pointer.object} ({_size(pointer.size)})"

    def _upload(self, path: Path, pointer: IndexPointer, progress: Progress) -> None:
        reporter = _Reporter(progress, "uploaded", pointer.size)
        with self._bucket.errors(f"uploading {pointer.object}", PUBLISHER_KEPT):
            self.client.upload_file(
                str(path),
                self.settings.bucket,
                self._bucket.key(pointer.object),
                ExtraArgs={
                    "ContentType": "application/octet-stream",
                    "CacheControl": "private, no-store",
                },
                Callback=reporter.add,
            )

    def _prune(self, keep: set[str]) -> None:
        prefix = self.settings.key_prefix
        with self._bucket.errors("deleting older screening index files", PUBLISHER_KEPT):
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.settings.bucket, Prefix=prefix
            )
            old = [
                item["Key"]
                for page in pages
                for item in page.get("Contents", [])
                if _OBJECT.match(item["Key"][len(prefix) :])
                and item["Key"][len(prefix) :] not in keep
            ]
            for first in range(0, len(old), 1000):
                self.client.delete_objects(
                    Bucket=self.settings.bucket,
                    Delete={"Objects": [{"Key": key} for key in old[first : first + 1000]]},
                )

    def pull(self, path: Path, progress: Progress = lambda _message: None) -> str:
        """Download the bucket's current file to `path` unless `path` is it already.

        Returns what was done. The local file is replaced only by a complete, checked file.
        """
        pointer = self.pointer(NODE_KEPT)
        if pointer is None:
            return "the bucket holds no screening index yet; nothing to pull"
        if pointer.format != FORMAT_VERSION:
            return (
                f"the bucket's screening index is format {pointer.format} and this release "
                f"reads format {FORMAT_VERSION}: kept the local file"
            )
        sidecar = _Sidecar(path, "pulled")
        if path.exists() and sidecar.sha256() == pointer.sha256:
            return f"up to date ({pointer.object})"
        path.parent.mkdir(parents=True, exist_ok=True)
        with _only_pull(path) as alone:
            if not alone:
                return "another pull of this file is under way; left to it"
            self._download(path, pointer, progress)
            sidecar.record(pointer.sha256)
        return f"pulled {pointer.object} ({_size(pointer.size)}, log size {pointer.stamp})"

    def _download(self, path: Path, pointer: IndexPointer, progress: Progress) -> None:
        temporary = path.with_name(f".{path.name}.{os.getpid()}.download")
        reporter = _Reporter(progress, "downloaded", pointer.size)
        digest = hashlib.sha256()
        try:
            stored = self._bucket.open(pointer.object, NODE_KEPT)
            if stored is None:
                raise ObjectStoreError(
                    f"{self.settings.where} has no {pointer.object}, which {POINTER} names; "
                    f"{NODE_KEPT}"
                )
            with (
                self._bucket.errors(f"downloading {pointer.object}", NODE_KEPT),
                temporary.open("wb") as out,
            ):
                try:
                    for piece in stored.chunks():
                        digest.update(piece)
                        out.write(piece)
                        reporter.add(len(piece))
                finally:
                    stored.close()
                out.flush()
                os.fsync(out.fileno())
            size = temporary.stat().st_size
            if size != pointer.size or digest.hexdigest() != pointer.sha256:
                raise ObjectStoreError(
                    f"{pointer.object} from {self.settings.where} has {size} bytes and SHA-256 "
                    f"{digest.hexdigest()}, not the {pointer.size} bytes and {pointer.sha256} "
                    f"{POINTER} names; {NODE_KEPT}"
                )
            header = read_header(temporary)
            if header.get("version") != FORMAT_VERSION:
                raise ObjectStoreError(
                    f"{pointer.object} is format {header.get('version')}, not {FORMAT_VERSION}; "
                    f"{NODE_KEPT}"
                )
            os.chmod(temporary, 0o640)  # full identifiers, as the publisher writes it
            os.replace(temporary, path)
            directory = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)
        finally:
            temporary.unlink(missing_ok=True)


@contextmanager
def _only_pull(path: Path) -> Iterator[bool]:
    """Whether this process alone pulls the file at `path` (a lock file beside it)."""
    with path.with_name(f".{path.name}.pull.lock").open("a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def readiness(settings: Mapping[str, Any], path: Path) -> tuple[bool, str]:
    """The `/readyz` detail of this node's screening index file.

    With the index bucket configured, a node is ready once `registry screening-index pull` has
    brought it a file this release reads: without one, each of its workers would index the
    whole list in memory, minutes and gigabytes at a national list. Without the bucket, the
    publisher writes the file on this machine, and the workers screen from memory until then.
    """
    pulled = bool(settings.get("SCREENING_INDEX_S3_BUCKET"))
    try:
        header = read_header(path)
    except FileNotFoundError:
        if pulled:
            return False, (
                "no screening index file yet: `registry screening-index pull --watch 30` "
                "brings it from REGISTRY_SCREENING_INDEX_S3_BUCKET"
            )
        return True, "no screening index file yet: the workers screen from memory"
    except (OSError, InvalidValue) as error:
        return not pulled, f"the screening index file is unreadable: {error}"
    version = header.get("version")
    if version != FORMAT_VERSION:
        return not pulled, (
            f"the screening index file is format {version} and this release reads format "
            f"{FORMAT_VERSION}: the workers screen from memory"
        )
    return True, f"screening index file of log size {header.get('stamp')} (format {version})"

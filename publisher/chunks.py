"""Immutable chunks of the feed files that grow with the registry (docs/feed-chunks.md).

A growing file (the snapshot, its CSV, the FollowTheMoney export) is published as chunks:
the entries whose entry_id shares its first `KEY_LENGTH` characters (for `IPL-2026-000123`,
`IPL-2026-000`: the year and the first three digits, up to 1,000 entries) form one chunk.
Truncating to a fixed length keeps entry_id order, so the chunks listed in key order hold
the entries in entry_id order, exactly as the whole file would.

A chunk file is named by its key and the SHA-256 of its bytes (`<folder>/<key>.<sha256><suffix>`),
so it is never overwritten: a changed chunk is a new file, and an unchanged chunk is listed
by the next index as it is. The index records a chunk as an ordinary resource named
`<kind>/<key>`, so any reader of the index checks its hash like any other file.

Any writer of a file that grows with the registry and is ordered by entry_id can use the
same `ChunkKind` and `write_chunk`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from publisher.writers import Resource
from publisher.writers.atomic import write_addressed

KEY_LENGTH = 12
CHUNK_FOLDER = "chunks"
# A chunk key is a prefix of an entry_id: letters, digits and dashes.
_KEY = re.compile(r"[A-Za-z0-9-]{1,64}\Z")
_CHUNK_FILE = re.compile(r"(?P<key>[A-Za-z0-9-]{1,64})\.(?P<sha256>[0-9a-f]{64})\.")

T = TypeVar("T")


class ChunkKeyError(ValueError):
    """An entry_id cannot name a chunk (characters outside letters, digits and dashes)."""


@dataclass(frozen=True)
class ChunkKind:
    """One chunked file: its resource name, folder, file suffix and the header of each chunk."""

    name: str
    folder: str
    suffix: str
    header: bytes = b""

    @property
    def directory(self) -> str:
        """The feed folder holding this kind's chunk files."""
        return f"{self.folder}/{CHUNK_FOLDER}"

    def record_name(self, key: str) -> str:
        """The index resource name of the chunk with `key`."""
        return f"{self.name}/{key}"


def chunk_key(entry_id: str) -> str:
    """The key of the chunk holding `entry_id`: its first KEY_LENGTH characters."""
    key = entry_id[:KEY_LENGTH]
    if not _KEY.match(key):
        raise ChunkKeyError(f"entry id {entry_id!r} cannot name a feed chunk")
    return key


def grouped(items: Iterable[tuple[str, T]]) -> Iterator[tuple[str, list[T]]]:
    """(key, items) per chunk from (entry_id, item) pairs given in entry_id order."""
    key: str | None = None
    group: list[T] = []
    for entry_id, item in items:
        item_key = chunk_key(entry_id)
        if item_key != key:
            if key is not None:
                yield key, group
            key, group = item_key, []
        group.append(item)
    if key is not None:
        yield key, group


def write_chunk(
    feed_dir: Path, kind: ChunkKind, key: str, lines: Iterable[bytes], count: int
) -> Resource:
    """Write one chunk (the kind's header, then `lines`) under its content address."""
    if not _KEY.match(key):
        raise ChunkKeyError(f"{key!r} is not a chunk key")
    directory = feed_dir / kind.directory
    path, sha256, size = write_addressed(
        directory,
        lambda digest: f"{key}.{digest}{kind.suffix}",
        [kind.header, *lines] if kind.header else lines,
    )
    return {
        "name": kind.record_name(key),
        "path": path.relative_to(feed_dir).as_posix(),
        "sha256": sha256,
        "size": size,
        "count": count,
    }


def listed_chunks(resources: Sequence[Mapping[str, Any]], kind: ChunkKind) -> dict[str, Resource]:
    """The chunk records of `kind` in an index's resources, by key."""
    prefix = kind.name + "/"
    chunks: dict[str, Resource] = {}
    for record in resources:
        name = str(record.get("name", ""))
        if name.startswith(prefix):
            chunks[name[len(prefix) :]] = {
                "name": name,
                "path": str(record["path"]),
                "sha256": str(record["sha256"]),
                "size": int(record["size"]),
                "count": int(record["count"]),
            }
    return chunks


def is_chunk_path(path: str) -> bool:
    """Whether a feed path names a chunk file."""
    parts = path.split("/")
    return len(parts) == 3 and parts[1] == CHUNK_FOLDER and bool(_CHUNK_FILE.match(parts[2]))


def chunk_files(feed_dir: Path, kinds: Iterable[ChunkKind]) -> Iterator[Path]:
    """Every chunk file on disk of the given kinds (temporaries of a killed run excluded)."""
    folders = sorted({kind.directory for kind in kinds})
    for folder in folders:
        directory = feed_dir / folder
        if directory.is_dir():
            for path in sorted(directory.iterdir()):
                if _CHUNK_FILE.match(path.name):
                    yield path


def files_of_key(feed_dir: Path, kinds: Iterable[ChunkKind], key: str) -> list[Path]:
    """The chunk files on disk, of any version, whose key is `key`."""
    return [path for path in chunk_files(feed_dir, kinds) if path.name.startswith(key + ".")]

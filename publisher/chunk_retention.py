"""How long chunk files stay, and what a purge does to them (docs/feed-chunks.md).

Each published index is also kept as `index/<version>.json` (the same bytes as that version's
`index.json`, written just before it). A chunk file stays while the current index or the
kept index of any of the newest `keep_versions` versions lists it; then it is deleted, after
the new index is on disk, never before. When an entry's content is purged, every chunk file
of its key is deleted: the run that purges rewrites the current chunk of that key from the
database before its index goes out.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path
from typing import Any

from publisher.chunked_files import KINDS
from publisher.chunks import ChunkKeyError, chunk_files, chunk_key, files_of_key
from publisher.writers import write_immutable

ARCHIVE_FOLDER = "index"


def archive_index(feed_dir: Path, version: int, index_bytes: bytes) -> None:
    """Keep the index of `version` as `index/<version>.json` (immutable)."""
    write_immutable(feed_dir / ARCHIVE_FOLDER / f"{version}.json", index_bytes)


def _archived(feed_dir: Path) -> Iterable[tuple[int, Path]]:
    folder = feed_dir / ARCHIVE_FOLDER
    if folder.is_dir():
        for path in folder.glob("*.json"):
            if path.stem.isdigit():
                yield int(path.stem), path


def _listed_paths(signed: Mapping[str, Any]) -> set[str]:
    resources = signed.get("resources")
    if not isinstance(resources, list):
        return set()
    return {str(r.get("path")) for r in resources if isinstance(r, dict)}


def prune_chunks(feed_dir: Path, current: Mapping[str, Any], newest: int) -> list[str]:
    """Delete chunk files and kept indexes no version numbered `>= newest` needs; return them.

    `current` is the `signed` part of the index just written. An unreadable kept index keeps
    every chunk (nothing is deleted on a doubt).
    """
    keep = _listed_paths(current)
    removed: list[Path] = []
    for version, path in _archived(feed_dir):
        if version >= newest:
            try:
                keep |= _listed_paths(json.loads(path.read_bytes())["signed"])
            except (OSError, ValueError, KeyError, TypeError):
                return []
        else:
            removed.append(path)
    for path in chunk_files(feed_dir, KINDS):
        if path.relative_to(feed_dir).as_posix() not in keep:
            removed.append(path)
    for path in removed:
        path.unlink(missing_ok=True)
    return sorted(path.relative_to(feed_dir).as_posix() for path in removed)


def redact_chunks(feed_dir: Path, purged: Collection[str]) -> int:
    """Delete every chunk file of the keys of the purged entries; return how many."""
    keys = set()
    for entry_id in purged:
        try:
            keys.add(chunk_key(entry_id))
        except ChunkKeyError:
            continue  # an id that cannot name a chunk was never in one
    removed = 0
    for key in sorted(keys):
        for path in files_of_key(feed_dir, KINDS, key):
            path.unlink(missing_ok=True)
            removed += 1
    return removed

"""Redaction: once an entry's content is purged, older feed files stop carrying it.

Snapshots, CSV and FollowTheMoney files of earlier versions drop the entry; earlier deltas keep
the event but with `"bundle": null`. The current index never lists these older files, so their
changed hashes contradict nothing a consumer can still fetch through it. Chunk files are
named by their hash, so the chunks of the purged entry's key are deleted instead, and the
run rewrites the current one (publisher/chunk_retention.py). The leaves, the tiles and every
proof are untouched.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Collection, Iterator
from pathlib import Path

from followthemoney.util import make_entity_id

from publisher.chunk_retention import redact_chunks
from publisher.writers import write_atomic

LineFilter = Callable[[bytes], bytes | None]


def _snapshot_line(purged: Collection[str]) -> LineFilter:
    def keep(line: bytes) -> bytes | None:
        return None if json.loads(line)["entry"]["entry_id"] in purged else line

    return keep


def _delta_line(purged: Collection[str]) -> LineFilter:
    def blank(line: bytes) -> bytes | None:
        event = json.loads(line)
        if event.get("entry_id") in purged and event.get("bundle") is not None:
            event["bundle"] = None
            return json.dumps(
                event, ensure_ascii=False, separators=(",", ":"), sort_keys=True
            ).encode()
        return line

    return blank


def _ftm_line(purged: Collection[str]) -> LineFilter:
    ids = {
        make_entity_id(prefix, entry_id)
        for entry_id in purged
        for prefix in ("ipl-subject", "ipl-sanction")
    }

    def keep(line: bytes) -> bytes | None:
        return None if json.loads(line).get("id") in ids else line

    return keep


def _rewrite_lines(path: Path, line_filter: LineFilter) -> bool:
    original = path.read_bytes().splitlines()
    kept = [out for out in (line_filter(line) for line in original) if out is not None]
    if kept == original:
        return False
    write_atomic(path, b"".join(line + b"\n" for line in kept))
    return True


def _rewrite_csv(path: Path, purged: Collection[str]) -> bool:
    text = path.read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    kept = [row for row in rows if not (row and row[0] in purged)]
    if len(kept) == len(rows):
        return False
    buffer = io.StringIO()
    csv.writer(buffer).writerows(kept)
    write_atomic(path, b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8"))
    return True


def _files(feed_dir: Path, folder: str, pattern: str, keep: Collection[str]) -> Iterator[Path]:
    for path in sorted((feed_dir / folder).glob(pattern)):
        if path.relative_to(feed_dir).as_posix() not in keep:
            yield path


def redact_feed_files(feed_dir: Path, purged: Collection[str], current: Collection[str]) -> int:
    """Remove purged entries' content from every feed file the current index does not list."""
    if not purged:
        return 0
    changed = 0
    for path in _files(feed_dir, "snapshot", "*.jsonl", current):
        changed += _rewrite_lines(path, _snapshot_line(purged))
    for path in _files(feed_dir, "snapshot", "*.csv", current):
        changed += _rewrite_csv(path, purged)
    for path in _files(feed_dir, "ftm", "*.ftm.json", current):
        changed += _rewrite_lines(path, _ftm_line(purged))
    for path in _files(feed_dir, "delta", "*.jsonl", current):
        changed += _rewrite_lines(path, _delta_line(purged))
    return changed + redact_chunks(feed_dir, purged)

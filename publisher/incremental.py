"""Build a version's snapshot, CSV and FollowTheMoney files from the previous version's files.

Only the entries touched by the new log events are re-read and re-encoded; every other
line, row and entity is copied as bytes from the previous file (merge-join on entry_id).
The output is byte-identical to a full rebuild: all three files are in entry_id order, and
a changed entry's line goes exactly where a full rebuild would put it.

Anything unexpected in a previous file (a line without an entry_id, ids out of order, an
entity whose id is not derived from its entry, a read error) raises `NotIncremental`, and
the caller writes that file from scratch instead. The previous files are only used at all
when the published index lists them with hashes they still match.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from followthemoney.util import make_entity_id

from publisher import versions
from publisher.writers.atomic import file_sha256
from publisher.writers.csv_text import csv_text
from publisher.writers.snapshot import CSV_COLUMNS, UTF8_BOM, csv_row
from registry.canonical import canonical_bytes
from registry.publication.ftm_lines import entry_lines

REUSABLE = ("snapshot", "snapshot_csv", "ftm")
_ENTRY_ID = b'"entry_id":"'

Changed = Sequence[tuple[str, Mapping[str, Any] | None]]


class NotIncremental(Exception):
    """A previous file cannot be merged; write the new one from scratch."""


def verified_previous(feed_dir: Path, head: versions.PublishedHead) -> list[dict[str, Any]]:
    """The published head's snapshot, CSV and FTM records, if all are on disk with their hashes.

    Empty when `index.json` is not the head, lists other files, or a file is missing or
    no longer has the stated hash and size (say, damaged or rewritten by hand).
    """
    signed = versions.read_signed_index(feed_dir)
    if signed is None or int(signed["version"]) != head.version:
        return []
    # The files must hold the log at the head's size: the merge adds the events after it.
    # (A checkpoint note's second line is its tree size; read_signed_index checked it parses.)
    if int(str(signed["checkpoint"]).split("\n")[1]) != head.tree_size:
        return []
    listed = signed.get("resources")
    # Chunk records (publisher/chunks.py) are listed beside the whole files.
    records = [
        record
        for record in (listed if isinstance(listed, list) else [])
        if isinstance(record, dict) and "/" not in str(record.get("name"))
    ]
    if sorted(str(record.get("name")) for record in records) != sorted(REUSABLE):
        return []
    for record in records:
        on_disk = file_sha256(feed_dir / str(record["path"]))
        if on_disk != (record.get("sha256"), record.get("size")):
            return []
    return records


def _lines(path: Path) -> Iterator[bytes]:
    # Read errors become NotIncremental: inside a write they would otherwise be reported
    # as a failure to write the new file.
    try:
        with path.open("rb") as stream:
            yield from stream
    except OSError as error:
        raise NotIncremental(f"cannot read {path}: {error}") from error


def entry_id_of(line: bytes) -> str:
    """The entry_id of one JCS snapshot line, found without decoding the whole bundle."""
    # JCS sorts keys, so the entry's own "entry_id" comes before any later key; the objects
    # sorted before it ("basis", "decision") hold no entry_id, and a quote inside a string
    # value is escaped, so the first match is the entry's.
    start = line.find(_ENTRY_ID)
    if start < 0:
        raise NotIncremental("a previous snapshot line has no entry_id")
    start += len(_ENTRY_ID)
    end = line.find(b'"', start)
    value = line[start:end]
    if end < 0 or not value or b"\\" in value:
        raise NotIncremental("a previous snapshot line has an unexpected entry_id")
    return value.decode("utf-8")


def previous_entries(path: Path) -> Iterator[tuple[str, bytes]]:
    """(entry_id, line) of the previous snapshot, checking the ids strictly increase."""
    previous = ""
    for line in _lines(path):
        entry_id = entry_id_of(line)
        if entry_id <= previous:
            raise NotIncremental(f"previous snapshot lists {entry_id!r} after {previous!r}")
        previous = entry_id
        yield entry_id, line


def merged(
    previous: Iterator[tuple[str, bytes]],
    changed: Changed,
    render: Callable[[Mapping[str, Any]], bytes],
    count: Callable[[int], None],
) -> Iterator[bytes]:
    """Previous chunks in entry order, with changed entries replaced, removed or inserted.

    `changed` is sorted by entry_id; a None bundle means the entry is no longer published.
    `count(1)` is called for every entry written.
    """
    position = 0

    def fresh(bundle: Mapping[str, Any] | None) -> Iterator[bytes]:
        if bundle is not None:
            count(1)
            yield render(bundle)

    for entry_id, chunk in previous:
        while position < len(changed) and changed[position][0] < entry_id:
            yield from fresh(changed[position][1])
            position += 1
        if position < len(changed) and changed[position][0] == entry_id:
            yield from fresh(changed[position][1])
            position += 1
            continue
        count(1)
        yield chunk
    for _entry_id, bundle in changed[position:]:
        yield from fresh(bundle)


def jsonl_line(bundle: Mapping[str, Any]) -> bytes:
    """One snapshot line, as the full writer encodes it."""
    return canonical_bytes(bundle) + b"\n"


def previous_csv_rows(path: Path, entry_ids: Iterator[str]) -> Iterator[tuple[str, bytes]]:
    """(entry_id, raw row bytes) of the previous CSV, checked against the snapshot's ids."""
    lines = _lines(path)
    consumed: list[bytes] = []

    def decoded() -> Iterator[str]:
        # The reader pulls physical lines until a row is complete (cells may hold line
        # breaks), so the lines consumed since the last row are exactly that row's bytes.
        for line in lines:
            consumed.append(line)
            yield line.decode("utf-8")

    reader = csv.reader(decoded())
    header = next(reader, None)
    expected_header = UTF8_BOM + csv_header()
    if header is None or b"".join(consumed) != expected_header:
        raise NotIncremental("previous CSV does not start with the expected header")
    for entry_id in entry_ids:
        consumed.clear()
        row = next(reader, None)
        if row is None or not row or row[0] != entry_id:
            raise NotIncremental(f"previous CSV row does not match entry {entry_id!r}")
        yield entry_id, b"".join(consumed)
    consumed.clear()
    if next(reader, None) is not None:
        raise NotIncremental("previous CSV has more rows than the previous snapshot")


def _csv_bytes(row: list[str]) -> bytes:
    return csv_text(row).encode("utf-8")


def csv_header() -> bytes:
    """The CSV header row, as the full writer encodes it (without the BOM)."""
    return _csv_bytes(list(CSV_COLUMNS))


def csv_line(bundle: Mapping[str, Any]) -> bytes:
    """One CSV row, as the full writer encodes it."""
    return _csv_bytes(csv_row(bundle))


def ftm_lines(bundle: Mapping[str, Any], base_url: str | None) -> bytes:
    """The two entity lines of one entry, as the full FollowTheMoney writer encodes them."""
    return entry_lines(bundle, base_url=base_url)


def _source_url_marker(entry_id: str, base_url: str | None) -> bytes | None:
    if not base_url:
        return None
    url = f"{base_url.rstrip('/')}/entries/{quote(entry_id)}"
    return b'"sourceUrl":[' + json.dumps(url, ensure_ascii=False).encode("utf-8") + b"]"


def previous_ftm_entities(
    path: Path, entry_ids: Iterator[str], base_url: str | None
) -> Iterator[tuple[str, bytes]]:
    """(entry_id, its two entity lines) of the previous FTM file, ids checked per entity."""
    lines = _lines(path)
    for entry_id in entry_ids:
        marker = _source_url_marker(entry_id, base_url)
        chunk = b""
        for prefix in ("ipl-subject", "ipl-sanction"):
            line = next(lines, None)
            expected = b'{"id":"' + str(make_entity_id(prefix, entry_id)).encode() + b'"'
            if line is None or not line.startswith(expected):
                raise NotIncremental(f"previous FTM file lacks the {prefix} of {entry_id!r}")
            # Copied entities must carry this run's source URL, not a former public_url's.
            if (marker is None and b'"sourceUrl"' in line) or (
                marker is not None and marker not in line
            ):
                raise NotIncremental("previous FTM file was written for another public URL")
            chunk += line
        yield entry_id, chunk
    if next(lines, None) is not None:
        raise NotIncremental("previous FTM file has more entities than the previous snapshot")

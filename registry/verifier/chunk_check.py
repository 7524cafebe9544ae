"""Check a feed's chunked files (docs/feed-chunks.md): every chunk against the signed index.

A chunk is listed in the index as a resource named `<kind>/<key>`. The snapshot's chunks are
each read once, hashed, and checked line by line (signatures, order across chunks, the key,
the log), one chunk in memory at a time; the CSV and FTM chunks are checked by hash with the
other files. Every kind must list the same keys, in increasing order.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable, Sequence
from typing import Any

from registry.signing.keys import VerificationKey
from registry.verifier.feed_check import LineCheck, check_snapshot_part
from registry.verifier.log_check import LeafIndex, Progress
from registry.verifier.parallel_check import checked_in_processes
from registry.verifier.report import VerificationReport
from registry.verifier.source import CHUNK_SIZE, FeedSource, SourceUnavailable

INDEX_FILE = "index.json"
CHUNKED = ("snapshot", "snapshot_csv", "ftm")
SNAPSHOT_CHUNK = "snapshot/"
# Worker processes take a second or two to start: worth it from this many chunks on.
PARALLEL_FROM = 8


def is_chunk(record: dict[str, Any]) -> bool:
    """Whether an index record lists a chunk (its name is `<kind>/<key>`)."""
    return "/" in str(record.get("name"))


def check_chunk_keys(records: Sequence[dict[str, Any]], report: VerificationReport) -> None:
    """Each chunked kind lists the same keys, in increasing order, and no unknown kind."""
    keys: dict[str, list[str]] = {kind: [] for kind in CHUNKED}
    for record in records:
        if is_chunk(record):
            kind, _slash, key = str(record["name"]).partition("/")
            if kind not in keys or not key:
                report.fail(INDEX_FILE, f"lists a chunk of unknown kind: {record['name']!r}")
                continue
            keys[kind].append(key)
    for kind, listed in keys.items():
        if listed != sorted(set(listed)):
            report.fail(INDEX_FILE, f"lists the {kind} chunks out of key order or twice")
    if keys["snapshot"] != keys["snapshot_csv"] or keys["snapshot"] != keys["ftm"]:
        report.fail(INDEX_FILE, "lists different chunk keys for the snapshot, CSV and FTM files")


def _read_hashed(
    source: FeedSource, record: dict[str, Any], report: VerificationReport
) -> bytes | None:
    path = record["path"]
    stream = source.open(path)
    if stream is None:
        report.fail(path, "is listed in index.json but missing")
        return None
    buffer, hasher = io.BytesIO(), hashlib.sha256()
    with stream:
        try:
            while piece := stream.read(CHUNK_SIZE):
                hasher.update(piece)
                buffer.write(piece)
        except OSError as error:
            raise SourceUnavailable(
                "cannot read %(path)s: %(error)s",
                path=path,
                error=error,
            ) from None
    data = buffer.getvalue()
    if len(data) != record["size"]:
        report.fail(path, f"is {len(data)} bytes, index.json says {record['size']}")
    if hasher.hexdigest() != record["sha256"]:
        report.fail(path, f"has sha256 {hasher.hexdigest()}, index.json says {record['sha256']}")
    else:
        report.count("files")
    return data


def check_snapshot_chunks(
    source: FeedSource,
    records: Sequence[dict[str, Any]],
    keys: tuple[VerificationKey, ...],
    leaves: LeafIndex | None,
    report: VerificationReport,
    progress: Progress,
    workers: int = 1,
) -> None:
    """Hash each snapshot chunk and check its entries (sorted across chunks, signed, logged).

    With `workers` > 1 and at least PARALLEL_FROM chunks, the signatures are checked by that
    many processes (registry/verifier/parallel_check.py).
    """
    chunks = [record for record in records if str(record.get("name")).startswith(SNAPSHOT_CHUNK)]
    read = ((record, _read_hashed(source, record, report)) for record in chunks)
    checked: Iterable[tuple[dict[str, Any], bytes | None, dict[int, LineCheck] | None]]
    if workers > 1 and len(chunks) >= PARALLEL_FROM:
        checked = checked_in_processes(read, keys, workers)
    else:
        checked = ((record, data, None) for record, data in read)
    previous = ""
    for number, (record, data, signed) in enumerate(checked, start=1):
        if data is not None:
            key = str(record["name"])[len(SNAPSHOT_CHUNK) :]
            count, previous = check_snapshot_part(
                record["path"], io.BytesIO(data), keys, leaves, report, previous, key, signed
            )
            if count != record.get("count"):
                report.fail(
                    record["path"], f"has {count} lines, index.json says {record.get('count')}"
                )
        progress("checking snapshot chunks", number, len(chunks))

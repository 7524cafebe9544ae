"""Check a feed's chunked files (docs/feed-chunks.md): every chunk against the signed index.

A chunk is listed in the index as a resource named `<kind>/<key>`. The snapshot's chunks are
each read once, hashed, and checked line by line (signatures, order across chunks, the key,
the log), one chunk in memory at a time; the CSV and FTM chunks are checked by hash with the
other files. Every kind must list the same keys, in increasing order.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from registry.signing.keys import VerificationKey
from registry.verifier.feed_check import fold_chunk
from registry.verifier.leaf_index import LeafIndex, secret_of
from registry.verifier.log_check import Progress
from registry.verifier.parallel_check import Workers
from registry.verifier.report import VerificationReport
from registry.verifier.source import MISSING, FeedSource, LocalFile, SourceUnavailable, local_file
from registry.verifier.work import check_chunk

INDEX_FILE = "index.json"
CHUNKED = ("snapshot", "snapshot_csv", "ftm")
SNAPSHOT_CHUNK = "snapshot/"


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


def _read_chunk(
    source: FeedSource, record: dict[str, Any], report: VerificationReport
) -> bytes | None:
    path = record["path"]
    stream = source.open(path)
    if stream is None:
        report.fail(path, MISSING_CHUNK)
        return None
    with stream:
        try:
            return stream.read()
        except OSError as error:
            raise SourceUnavailable(
                "cannot read %(path)s: %(error)s",
                path=path,
                error=error,
            ) from None


ChunkJob = tuple[bytes | LocalFile, str, tuple[VerificationKey, ...], int, bytes, bool]
MISSING_CHUNK = "is listed in index.json but missing"


def _chunk_jobs(
    source: FeedSource,
    chunks: Sequence[dict[str, Any]],
    keys: tuple[VerificationKey, ...],
    secret: bytes,
    prints: bool,
    report: VerificationReport,
) -> Iterator[tuple[dict[str, Any], ChunkJob | None]]:
    for record in chunks:
        # A chunk on the local disk is read by the worker checking it, not sent to it.
        data = local_file(source, record["path"]) or _read_chunk(source, record, report)
        key = str(record["name"])[len(SNAPSHOT_CHUNK) :]
        yield record, None if data is None else (data, key, keys, 1, secret, prints)


def check_snapshot_chunks(
    source: FeedSource,
    records: Sequence[dict[str, Any]],
    keys: tuple[VerificationKey, ...],
    leaves: LeafIndex | None,
    report: VerificationReport,
    progress: Progress,
    workers: Workers | None = None,
) -> None:
    """Hash each snapshot chunk and check its entries (sorted across chunks, signed, logged).

    Each chunk is read once and checked by `workers` (registry/verifier/work.py); this
    process folds the results in order: the hash against the index, the order across
    chunks, the count, and every entry against the log.
    """
    chunks = [record for record in records if str(record.get("name")).startswith(SNAPSHOT_CHUNK)]
    previous = ""
    running = workers or Workers(1)
    prints = leaves is not None and leaves.match_bundles
    jobs = _chunk_jobs(source, chunks, keys, secret_of(leaves), prints, report)
    for number, (record, outcome) in enumerate(running.ordered(check_chunk, jobs), start=1):
        if outcome is not None and outcome.unreadable is not None:
            missing = outcome.unreadable == MISSING
            report.fail(record["path"], MISSING_CHUNK if missing else outcome.unreadable)
        elif outcome is not None:
            path = record["path"]
            if outcome.size != record["size"]:
                report.fail(path, f"is {outcome.size} bytes, index.json says {record['size']}")
            if outcome.sha256 != record["sha256"]:
                report.fail(
                    path, f"has sha256 {outcome.sha256}, index.json says {record['sha256']}"
                )
            else:
                report.count("files")
            previous = fold_chunk(path, outcome, leaves, report, previous)
            if outcome.count != record.get("count"):
                report.fail(
                    path, f"has {outcome.count} lines, index.json says {record.get('count')}"
                )
        progress("checking snapshot chunks", number, len(chunks))

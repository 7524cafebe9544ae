"""Verify a published disclosure feed end to end, offline, with nothing but the feed and keys.

Order: the signed index, the checkpoint, every listed file's hash, the log recomputed from
its entry tiles, consistency with a checkpoint saved earlier, then the snapshot and delta
against the log. Every failure is recorded with the file it concerns; checks go on after a
failure so one run reports everything it can. The listed files are hashed and checked in
chunks, never held whole in memory.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Sequence
from contextlib import ExitStack
from typing import IO, Any

from registry.canonical import loads_strict
from registry.errors import InvalidValue
from registry.ledger.checkpoint import Checkpoint, InvalidCheckpoint
from registry.ledger.tiled_log import TiledLog
from registry.ledger.tiles import TILE_WIDTH
from registry.signing.keys import VerificationKey
from registry.signing.signatures import FEED_INDEX_TYPE, SignatureInvalid, verify_envelope
from registry.timestamps import format_timestamp
from registry.verifier.chunk_check import (
    SNAPSHOT_CHUNK,
    check_chunk_keys,
    check_snapshot_chunks,
)
from registry.verifier.feed_check import check_delta, check_snapshot, first_delta_seq
from registry.verifier.leaf_codes import new_secret
from registry.verifier.leaf_index import LeafIndex
from registry.verifier.log_check import Progress, check_consistency, leaf_reader, rebuild_log
from registry.verifier.parallel_check import Workers
from registry.verifier.report import VerificationReport
from registry.verifier.source import CHUNK_SIZE, FeedSource, SourceUnavailable, local_file
from registry.verifier.trust import TrustedKeys, parse_keys_document

INDEX_FILE = "index.json"
KEYS_FILE = "keys.json"
CHECKPOINT_FILE = "log/checkpoint"
DATA_FILES = ("snapshot", "delta")  # checked line by line after the log; the rest by hash only
# Worker processes take a second to start: worth it from this many chunks (or as many
# entry tiles) on.
PARALLEL_FROM = 8
# A delta line repeating a snapshot line is not verified twice (registry/verifier/work.py)
# when the delta has at least one event for this many snapshot lines: fingerprinting every
# snapshot line costs about 1/20 of verifying one signature.
MATCH_BUNDLES_FROM = 20
UNPINNED_WARNING = (
    "trusting the keys published in the feed's own keys.json: this proves the feed is "
    "self-consistent, not who signed it; pin the keys with --key-file or --vkey"
)


def _quiet(_stage: str, _done: int, _total: int) -> None:
    """Progress callback that reports nothing."""


def _trusted_keys(
    source: FeedSource,
    pinned: Sequence[VerificationKey] | None,
    vkey: str | None,
    report: VerificationReport,
) -> TrustedKeys | None:
    if pinned is not None:
        return TrustedKeys.from_keys(pinned, vkey)
    report.warnings.append(
        UNPINNED_WARNING
        if vkey is None
        else "only the checkpoint key is pinned (--vkey); entry and index keys come from the "
        "feed's own keys.json: pin them too with --key-file"
    )
    data = source.read(KEYS_FILE)
    if data is None:
        report.fail(KEYS_FILE, "is missing, and no keys were given with --key-file")
        return None
    try:
        return TrustedKeys.from_keys(parse_keys_document(data), vkey)
    except InvalidValue as error:
        report.fail(KEYS_FILE, f"is not a usable key list: {error.message}")
        return None


def _read_index(source: FeedSource, report: VerificationReport) -> dict[str, Any] | None:
    data = source.read(INDEX_FILE)
    if data is None:
        report.fail(INDEX_FILE, f"is missing: {source.location} is not a published feed")
        return None
    try:
        envelope = loads_strict(data)
    except InvalidValue as error:
        report.fail(INDEX_FILE, f"is not valid JSON: {error.reason}")
        return None
    if not isinstance(envelope, dict) or not isinstance(envelope.get("signed"), dict):
        report.fail(INDEX_FILE, "is not a signed feed index (no 'signed' object)")
        return None
    return envelope


def _check_freshness(signed: dict[str, Any], now: dt.datetime, report: VerificationReport) -> None:
    expires = signed.get("expires")
    if not isinstance(expires, str):
        report.fail(INDEX_FILE, "has no 'expires' time")
    elif expires <= format_timestamp(now):
        report.fail(INDEX_FILE, f"expired at {expires}: the feed has stopped being updated")


def _open_checkpoints(
    source: FeedSource, signed: dict[str, Any], trust: TrustedKeys, report: VerificationReport
) -> Checkpoint | None:
    note = signed.get("checkpoint")
    checkpoint = None
    if not isinstance(note, str):
        report.fail(INDEX_FILE, "carries no checkpoint note")
    else:
        try:
            checkpoint = trust.open_checkpoint(note)
            report.checkpoint_note = note
        except InvalidCheckpoint as error:
            report.fail(INDEX_FILE, f"its checkpoint is not validly signed: {error.reason}")
    published = source.read(CHECKPOINT_FILE)
    if published is None:
        report.fail(CHECKPOINT_FILE, "is missing")
        return checkpoint
    try:
        latest = trust.open_checkpoint(published)
    except InvalidCheckpoint as error:
        report.fail(CHECKPOINT_FILE, f"is not validly signed: {error.reason}")
        return checkpoint
    if checkpoint is None or not isinstance(note, str) or published == note.encode("utf-8"):
        return checkpoint
    if latest.size < checkpoint.size or (
        latest.size == checkpoint.size and latest.root != checkpoint.root
    ):
        report.fail(
            CHECKPOINT_FILE,
            f"(size {latest.size}) contradicts the index's checkpoint (size {checkpoint.size})",
        )
    else:
        report.warnings.append(
            f"{CHECKPOINT_FILE} (size {latest.size}) is newer than index.json (size "
            f"{checkpoint.size}); a publication is under way, verified the index's checkpoint"
        )
    return checkpoint


def _listed_files(signed: dict[str, Any], report: VerificationReport) -> list[dict[str, Any]]:
    records = signed.get("resources")
    listed = list(records) if isinstance(records, list) else []
    delta = signed.get("delta")
    if isinstance(delta, dict):
        listed.append({"name": "delta", **delta})
    usable = []
    for record in listed:
        if (
            isinstance(record, dict)
            and isinstance(record.get("path"), str)
            and isinstance(record.get("sha256"), str)
            and isinstance(record.get("size"), int)
        ):
            usable.append(record)
        else:
            report.fail(INDEX_FILE, f"lists a file record without path, sha256 and size: {record}")
    return usable


def _fetch_files(
    source: FeedSource,
    records: list[dict[str, Any]],
    report: VerificationReport,
    progress: Progress,
    opened: ExitStack,
) -> dict[str, IO[bytes]]:
    """Check the size and sha256 of every file the index lists; return the data files by name.

    The data files stay open (closed with `opened`) and rewound: the checks after the log
    read the very bytes that were hashed, even if the file is replaced in the meantime.
    """
    data_files = {}
    for number, record in enumerate(records, start=1):
        path, name = record["path"], str(record.get("name"))
        stream = source.open(path)
        if stream is None:
            report.fail(path, "is listed in index.json but missing")
        elif name in DATA_FILES:
            data_files[name] = opened.enter_context(stream)
            _check_hash(path, record, stream, report)
            stream.seek(0)
        else:
            with stream:
                _check_hash(path, record, stream, report)
        progress("checking listed files", number, len(records))
    return data_files


def _check_hash(
    path: str, record: dict[str, Any], stream: IO[bytes], report: VerificationReport
) -> None:
    hasher, size = hashlib.sha256(), 0
    try:
        while chunk := stream.read(CHUNK_SIZE):
            hasher.update(chunk)
            size += len(chunk)
    except OSError as error:
        raise SourceUnavailable(
            "cannot read %(path)s: %(error)s",
            path=path,
            error=error,
        ) from None
    if size != record["size"]:
        report.fail(path, f"is {size} bytes, index.json says {record['size']}")
    digest = hasher.hexdigest()
    if digest != record["sha256"]:
        report.fail(path, f"has sha256 {digest}, index.json says {record['sha256']}")
    else:
        report.count("files")


def _record(records: list[dict[str, Any]], name: str) -> dict[str, Any] | None:
    return next((record for record in records if record.get("name") == name), None)


def verify_feed(
    source: FeedSource,
    *,
    pinned_keys: Sequence[VerificationKey] | None = None,
    vkey: str | None = None,
    since_note: str | bytes | None = None,
    since_name: str = "saved checkpoint",
    now: dt.datetime | None = None,
    progress: Progress = _quiet,
    workers: int | None = None,
) -> VerificationReport:
    """Run every check on the feed at `source`; the report lists each failure by file.

    The log's entries and the snapshot's lines are checked by `workers` processes (default:
    one per core; registry/verifier/parallel_check.py).
    """
    workers = workers or os.cpu_count() or 1
    report = VerificationReport(source.location)
    envelope = _read_index(source, report)
    trust = _trusted_keys(source, pinned_keys, vkey, report)
    if envelope is None or trust is None:
        return report
    try:
        verify_envelope(FEED_INDEX_TYPE, envelope, trust.keys)
    except SignatureInvalid as error:
        report.fail(INDEX_FILE, f"signature rejected: {error.reason}")
    signed = envelope["signed"]
    report.version = signed.get("version") if isinstance(signed.get("version"), int) else None
    _check_freshness(signed, now or dt.datetime.now(dt.UTC), report)
    checkpoint = _open_checkpoints(source, signed, trust, report)
    report.checkpoint = checkpoint
    records = _listed_files(signed, report)
    check_chunk_keys(records, report)
    # Snapshot chunks are hashed and checked line by line in one read, after the log.
    snapshot_chunks = [r for r in records if str(r.get("name")).startswith(SNAPSHOT_CHUNK)]
    size = checkpoint.size if checkpoint is not None else 0
    if len(snapshot_chunks) < PARALLEL_FROM and size < PARALLEL_FROM * TILE_WIDTH:
        workers = 1  # worker processes take a second to start: not worth it for a small feed
    with ExitStack() as opened, Workers(workers) as running:
        files = _fetch_files(
            source, [r for r in records if r not in snapshot_chunks], report, progress, opened
        )
        if checkpoint is None:
            # Without a trusted tree size and root nothing else can be checked against the log.
            check_snapshot_chunks(
                source, snapshot_chunks, trust.keys, None, report, progress, running
            )
            return report

        delta_file = files.get("delta")
        first_seq = None if delta_file is None else first_delta_seq(delta_file)
        keep_from = checkpoint.size if first_seq is None else first_seq
        leaves = LeafIndex(
            new_secret(),
            keep_from=keep_from,
            read_leaf=leaf_reader(source, checkpoint.size),
            match_bundles=_delta_repeats_snapshot(records, checkpoint.size - keep_from),
        )
        log = rebuild_log(source, checkpoint, report, leaves, progress, running)
        if since_note is not None:
            _check_since(log, trust, since_note, since_name, checkpoint, report)
        known = leaves if log is not None else None
        snapshot, delta = _record(records, "snapshot"), _record(records, "delta")
        if snapshot is not None and "snapshot" in files:
            path, stream = snapshot["path"], files["snapshot"]
            local = local_file(source, path, stream)
            count = check_snapshot(path, stream, trust.keys, known, report, running, local)
            _check_count(snapshot, count, report)
        check_snapshot_chunks(source, snapshot_chunks, trust.keys, known, report, progress, running)
        if delta is not None and delta_file is not None:
            local = local_file(source, delta["path"], delta_file)
            count = check_delta(
                delta["path"],
                delta_file,
                trust.keys,
                known,
                checkpoint.size,
                report,
                running,
                local,
            )
            _check_count(delta, count, report)
    return report


def _delta_repeats_snapshot(records: list[dict[str, Any]], delta_events: int) -> bool:
    """Whether the delta's events are many enough, against the snapshot's lines as the index
    counts them, for its bundles to be matched with the snapshot's (MATCH_BUNDLES_FROM)."""
    lines = 0
    for record in records:
        name, count = str(record.get("name")), record.get("count")
        if (name == "snapshot" or name.startswith(SNAPSHOT_CHUNK)) and type(count) is int:
            lines += count
    return 0 < lines <= delta_events * MATCH_BUNDLES_FROM


def _check_since(
    log: TiledLog | None,
    trust: TrustedKeys,
    since_note: str | bytes,
    since_name: str,
    checkpoint: Checkpoint,
    report: VerificationReport,
) -> None:
    try:
        saved = trust.open_checkpoint(since_note)
    except InvalidCheckpoint as error:
        report.fail(since_name, f"is not a checkpoint signed by a trusted key: {error.reason}")
        return
    if log is not None:
        check_consistency(log, saved, checkpoint, since_name, report)


def _check_count(record: dict[str, Any], count: int, report: VerificationReport) -> None:
    if count != record.get("count"):
        report.fail(record["path"], f"has {count} lines, index.json says {record.get('count')}")

"""Check the feed's data files against the log: snapshot entries and delta events.

Both are read line by line from an open file, so memory does not grow with their size.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import IO, Any

from registry.canonical import canonical_bytes, loads_strict, sha256_hex
from registry.errors import InvalidValue
from registry.signing.keys import VerificationKey
from registry.signing.signatures import SignatureInvalid, verify_entry
from registry.verifier.log_check import LeafIndex
from registry.verifier.report import VerificationReport

# A signed entry is a few kilobytes; a longer line is refused unread, so a hostile feed made
# of one endless line cannot exhaust the verifier's memory.
MAX_LINE_BYTES = 1 << 20


def jsonl_records(
    path: str, stream: IO[bytes], report: VerificationReport
) -> Iterator[tuple[int, Any]]:
    """Yield (line number, parsed object) for each line; bad lines are reported and skipped."""
    number = 0
    while line := stream.readline(MAX_LINE_BYTES + 1):
        number += 1
        if not line.endswith(b"\n") and len(line) > MAX_LINE_BYTES:
            report.fail(path, f"line {number} is longer than {MAX_LINE_BYTES:,} bytes; skipped")
            while line and not line.endswith(b"\n"):
                line = stream.readline(MAX_LINE_BYTES + 1)
            continue
        if not line.endswith(b"\n"):  # only the last line can lack it
            report.fail(path, "does not end with a newline (the file may be truncated)")
        try:
            yield number, loads_strict(line.removesuffix(b"\n"))
        except InvalidValue as error:
            report.fail(path, f"line {number} is not valid JSON: {error.reason}")


def _entry_label(bundle: Any) -> str:
    entry = bundle.get("entry") if isinstance(bundle, dict) else None
    if isinstance(entry, dict):
        return f"{entry.get('entry_id')} revision {entry.get('revision')}"
    return "an object without an entry"


def check_snapshot(
    path: str,
    stream: IO[bytes],
    keys: tuple[VerificationKey, ...],
    leaves: LeafIndex | None,
    report: VerificationReport,
) -> int:
    """Check every signed entry of a snapshot and that the log records its content; return count."""
    return check_snapshot_part(path, stream, keys, leaves, report)[0]


def check_snapshot_part(
    path: str,
    stream: IO[bytes],
    keys: tuple[VerificationKey, ...],
    leaves: LeafIndex | None,
    report: VerificationReport,
    previous: str = "",
    key: str = "",
    signed: Mapping[int, LineCheck] | None = None,
) -> tuple[int, str]:
    """Check a snapshot or one chunk of it; return its count and its last entry_id.

    Entries must sort after `previous` (the last entry of the chunk before) and their ids
    must start with the chunk's `key`. `signed` holds the signature checks and content
    hashes already computed per line number (by another process, registry/verifier/
    parallel_check.py); without it they are computed here.
    """
    count = 0
    for number, bundle in jsonl_records(path, stream, report):
        count += 1
        where = f"line {number} ({_entry_label(bundle)})"
        known = signed.get(number) if signed is not None else None
        check = known if known is not None else line_check(bundle, keys)
        if check.rejected is not None:
            report.fail(path, f"{where}: entry signature rejected: {check.rejected}")
            continue
        entry = bundle["entry"]
        entry_id = entry.get("entry_id")
        if not isinstance(entry_id, str) or entry_id <= previous:
            report.fail(path, f"{where}: entries must be sorted by entry_id, each once")
        previous = str(entry_id)
        if not previous.startswith(key):
            report.fail(path, f"{where}: belongs to no chunk {key!r} (its id has another key)")
        if entry.get("status") != "published":
            report.fail(path, f"{where}: status is {entry.get('status')!r}, not 'published'")
        if leaves is not None:
            _check_against_log(path, where, entry, leaves, report, check.content_sha256)
        report.count("signed entries")
    return count, previous


@dataclass(frozen=True)
class LineCheck:
    """One snapshot line's signature check (None: valid) and its entry's content hash."""

    rejected: str | None
    content_sha256: str | None


def line_check(bundle: Any, keys: tuple[VerificationKey, ...]) -> LineCheck:
    """Check one bundle's signature and hash its entry (the costly part of a line's checks)."""
    try:
        verify_entry(bundle, keys)
    except SignatureInvalid as error:
        return LineCheck(error.reason, None)
    return LineCheck(None, sha256_hex(bundle["entry"]))


def _check_against_log(
    path: str,
    where: str,
    entry: dict[str, Any],
    leaves: LeafIndex,
    report: VerificationReport,
    digest: str | None = None,
) -> None:
    entry_id, revision = entry.get("entry_id"), entry.get("revision")
    logged = leaves.contents.get((str(entry_id), revision)) if isinstance(revision, int) else None
    if logged is None:
        report.fail(path, f"{where}: no log entry up to the checkpoint records this revision")
        return
    digest = digest or sha256_hex(entry)
    if logged != digest:
        report.fail(
            path,
            f"{where}: content hash {digest} differs from the log's content_sha256 {logged}",
        )
    last_event, last_revision = leaves.last_event[str(entry_id)]
    if last_event == "removed":
        report.fail(path, f"{where}: the log records this entry as removed")
    elif last_revision != revision:
        report.fail(path, f"{where}: the log's latest revision is {last_revision}")


def first_delta_seq(stream: IO[bytes]) -> int | None:
    """The seq of the delta's first line, so the log replay can keep the leaves from there.

    Leaves the stream where it was.
    """
    start = stream.tell()
    first = stream.readline().removesuffix(b"\n")
    stream.seek(start)
    try:
        record = loads_strict(first) if first else None
    except InvalidValue:
        return None
    seq = record.get("seq") if isinstance(record, dict) else None
    return seq if isinstance(seq, int) and seq >= 0 else None


def check_delta(
    path: str,
    stream: IO[bytes],
    keys: tuple[VerificationKey, ...],
    leaves: LeafIndex | None,
    tree_size: int,
    report: VerificationReport,
) -> int:
    """Check each delta line is a log leaf plus its signed entry (or null once purged)."""
    count = 0
    previous: int | None = None
    for number, record in jsonl_records(path, stream, report):
        count += 1
        if not isinstance(record, dict) or "bundle" not in record:
            report.fail(path, f"line {number} is not a log event with a 'bundle' member")
            continue
        bundle = record.pop("bundle")
        seq = record.get("seq")
        where = f"line {number} (leaf {seq})"
        if not isinstance(seq, int) or (previous is not None and seq != previous + 1):
            report.fail(path, f"{where}: seq must follow {previous} without a gap")
        previous = seq if isinstance(seq, int) else previous
        if not isinstance(seq, int) or not 0 <= seq < tree_size:
            report.fail(path, f"{where}: not inside the checkpoint's {tree_size} log entries")
            continue
        if leaves is not None and leaves.kept_digest(seq) != _canonical_digest(record):
            report.fail(path, f"{where}: the event differs from log entry {seq}")
        if bundle is not None:
            _check_delta_bundle(path, where, record, bundle, keys, report)
        report.count("delta events")
    if previous is not None and previous != tree_size - 1:
        report.fail(path, f"ends at leaf {previous}, but the checkpoint has {tree_size} entries")
    return count


def _canonical_digest(record: dict[str, Any]) -> bytes | None:
    try:
        return hashlib.sha256(canonical_bytes(record)).digest()
    except InvalidValue:
        return None


def _check_delta_bundle(
    path: str,
    where: str,
    record: dict[str, Any],
    bundle: Any,
    keys: tuple[VerificationKey, ...],
    report: VerificationReport,
) -> None:
    try:
        verify_entry(bundle, keys)
    except SignatureInvalid as error:
        report.fail(path, f"{where}: entry signature rejected: {error.reason}")
        return
    entry = bundle["entry"]
    if (entry.get("entry_id"), entry.get("revision")) != (
        record.get("entry_id"),
        record.get("revision"),
    ):
        report.fail(path, f"{where}: the bundle holds another entry than the event names")
    elif sha256_hex(entry) != record.get("content_sha256"):
        report.fail(path, f"{where}: the entry's hash differs from the event's content_sha256")
    else:
        report.count("signed entries")

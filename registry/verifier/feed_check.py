"""Check the feed's data files against the log: snapshot entries and delta events.

Both are read line by line from an open file, so memory does not grow with their size.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import IO, Any

from registry.canonical import loads_strict
from registry.errors import InvalidValue
from registry.signing.keys import VerificationKey
from registry.verifier.leaf_codes import entry_name
from registry.verifier.leaf_index import LeafIndex, secret_of
from registry.verifier.parallel_check import Workers
from registry.verifier.report import VerificationReport
from registry.verifier.source import LocalFile
from registry.verifier.work import (
    DELTA_GAP,
    DELTA_LEAF,
    MAX_LINE_BYTES,
    RANK_LOG,
    RANK_ORDER,
    ChunkOutcome,
    NotedBundles,
    Problem,
    check_chunk,
    check_delta_lines,
    jsonl_lines,
    where,
)

__all__ = ["MAX_LINE_BYTES", "check_delta", "check_snapshot", "fold_chunk", "jsonl_records"]

# Bytes of a whole snapshot or delta read at a time, handed to a worker as one run of lines.
RUN_BYTES = 1 << 20


def jsonl_records(
    path: str, stream: IO[bytes], report: VerificationReport
) -> Iterator[tuple[int, Any]]:
    """Yield (line number, parsed object) for each line; bad lines are reported and skipped."""

    def problem(_number: int, message: str) -> None:
        report.fail(path, message)

    for number, line in jsonl_lines(stream, problem):
        try:
            yield number, loads_strict(line)
        except InvalidValue as error:
            report.fail(path, f"line {number} is not valid JSON: {error.reason}")


def _line_runs(
    path: str, stream: IO[bytes], report: VerificationReport, local: LocalFile | None = None
) -> Iterator[tuple[int, bytes, bytes | LocalFile]]:
    """A whole snapshot or delta in runs of whole lines: (first line number, their bytes, and
    what a worker is given: the same bytes, or where it reads them when the file is `local`).

    Read RUN_BYTES at a time, not line by line: a run ends at the last newline read. A line
    longer than MAX_LINE_BYTES is reported here and skipped unread, so an endless line is
    never held; the workers split the runs (work.split_lines), skip a long line that fits in
    a run, and report a last line without its newline.
    """
    number, held, start = 1, b"", 0  # start: the offset of `held` in the file

    def run(data: bytes) -> tuple[int, bytes, bytes | LocalFile]:
        return number, data, data if local is None else local.part(start, len(data))

    while block := stream.read(RUN_BYTES):
        data = held + block
        cut = data.rfind(b"\n") + 1
        if cut:
            yield run(data[:cut])
            number += data.count(b"\n", 0, cut)
        held, start = data[cut:], start + cut
        if len(held) > MAX_LINE_BYTES:
            report.fail(path, f"line {number} is longer than {MAX_LINE_BYTES:,} bytes; skipped")
            skipped, rest = _rest_after_line(stream)
            held, start = rest, start + len(held) + skipped
            number += 1
    if held:
        yield run(held)


def _rest_after_line(stream: IO[bytes]) -> tuple[int, bytes]:
    """Read past the end of the current line: (bytes up to its newline, what follows)."""
    skipped = 0
    while block := stream.read(RUN_BYTES):
        end = block.find(b"\n")
        if end >= 0:
            return skipped + end + 1, block[end + 1 :]
        skipped += len(block)
    return skipped, b""


def check_snapshot(
    path: str,
    stream: IO[bytes],
    keys: tuple[VerificationKey, ...],
    leaves: LeafIndex | None,
    report: VerificationReport,
    workers: Workers | None = None,
    local: LocalFile | None = None,
) -> int:
    """Check every signed entry of a snapshot and that the log records its content; return count.

    With `local` (the file `stream` reads, on this machine's disk) the workers read their runs
    of lines from it themselves.
    """
    count, previous = 0, ""
    running = workers or Workers(1)
    secret, prints = secret_of(leaves), leaves is not None and leaves.match_bundles
    jobs = (
        (first, (given, "", keys, first, secret, prints))
        for first, _data, given in _line_runs(path, stream, report, local)
    )
    for first, outcome in running.ordered(check_chunk, jobs):
        assert outcome is not None
        if outcome.unreadable is not None:
            report.fail(path, f"lines from {first} on: {outcome.unreadable}")
            continue
        count += outcome.count
        previous = fold_chunk(path, outcome, leaves, report, previous)
    return count


def fold_chunk(
    path: str,
    outcome: ChunkOutcome,
    leaves: LeafIndex | None,
    report: VerificationReport,
    previous: str,
) -> str:
    """Report what a chunk's own checks found, plus the order across chunks and the log.

    Entries must sort after `previous` (the last entry of the chunk before); returns the
    entry_id the next chunk must sort after. Problems are reported line by line.
    """
    problems: list[Problem] = list(outcome.problems)
    if outcome.first is not None:
        number, entry_id, revision = outcome.first
        if entry_id <= previous:
            message = "entries must be sorted by entry_id, each once"
            problems.append((number, RANK_ORDER, f"{where(number, entry_id, revision)}: {message}"))
    if leaves is not None:
        codes, contents, revisions = outcome.codes, outcome.contents, outcome.revisions
        for position, code in enumerate(codes):
            stated: Any = revisions[position]
            unusual = outcome.unusual.get(position) if not code or stated < 0 else None
            if unusual is not None:
                stated = unusual[1]
                code = code or leaves.other_code(unusual[0])
            content = contents[position]
            seq = leaves.listed_at(code, stated, content) if type(stated) is int else -1
            if seq < 0:
                number = outcome.numbers[position]
                entry_id = entry_name(code) if unusual is None else unusual[0]
                digest = outcome.digests[32 * position : 32 * (position + 1)].hex()
                events = leaves.events_of(code)
                line = where(number, entry_id, stated)
                for message in _log_problems(line, events, stated, digest, content, leaves):
                    problems.append((number, RANK_LOG, message))
            elif outcome.bundles and outcome.bundles[position]:
                leaves.note_signed(seq, outcome.bundles[position])
    for _number, _rank, message in sorted(problems, key=lambda found: found[:2]):
        report.fail(path, message)
    report.count("signed entries", len(outcome.codes))
    return previous if outcome.last is None else outcome.last


def _log_problems(
    where: str,
    events: Sequence[int],
    revision: Any,
    digest: str,
    content: int,
    leaves: LeafIndex,
) -> list[str]:
    # As a dict keyed by (entry_id, revision) would: True finds revision 1.
    first = leaves.first_with(events, int(revision)) if isinstance(revision, int) else None
    if first is None:
        return [f"{where}: no log entry up to the checkpoint records this revision"]
    problems = []
    if leaves.contents[first] != content:
        logged = leaves.logged_content(first)
        if logged is None:
            logged = f"(log leaf {first} now reads otherwise)"
        problems.append(
            f"{where}: content hash {digest} differs from the log's content_sha256 {logged}"
        )
    last_event, last_revision = leaves.state(events[-1])
    if last_event == "removed":
        problems.append(f"{where}: the log records this entry as removed")
    elif last_revision != revision:
        problems.append(f"{where}: the log's latest revision is {last_revision}")
    return problems


def _noted_bundles(leaves: LeafIndex | None, first_line: int, data: bytes) -> NotedBundles | None:
    """What the snapshot's checks and the log noted for the leaves of a run of delta lines
    (None: nothing).

    In a delta as published, line n holds leaf keep_from + n - 1 (keep_from: the seq of its
    first line); the checks look a line's print up by its place (or its own seq), so a delta
    that is not that way only has its lines checked in full.
    """
    if leaves is None or not leaves.signed:
        return None
    found = leaves.signed_prints(leaves.keep_from + first_line - 1, data.count(b"\n"))
    if found is None:
        return None
    base, prints = found
    start = base - leaves.keep_from
    return NotedBundles(leaves.keep_from, base, prints, leaves.kept[start : start + len(prints)])


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
    workers: Workers | None = None,
    local: LocalFile | None = None,
) -> int:
    """Check each delta line is a log leaf plus its signed entry (or null once purged).

    Runs of lines are checked by `workers` (registry/verifier/work.py); the seq order and
    each event against its log leaf are checked here, in order. With `local` (the file
    `stream` reads, on this machine's disk) the workers read their runs from it themselves.
    """
    count = 0
    previous: int | None = None
    secret = secret_of(leaves)
    jobs = (
        (None, (given, first, keys, tree_size, secret, _noted_bundles(leaves, first, data)))
        for first, data, given in _line_runs(path, stream, report, local)
    )
    for _tag, outcome in (workers or Workers(1)).ordered(check_delta_lines, jobs):
        assert outcome is not None
        count += outcome.lines
        problems: list[Problem] = list(outcome.problems)
        for number, seq, inside, digest in outcome.events:
            if not isinstance(seq, int) or (previous is not None and seq != previous + 1):
                message = f"line {number} (leaf {seq}): seq must follow {previous} without a gap"
                problems.append((number, DELTA_GAP, message))
            previous = seq if isinstance(seq, int) else previous
            if not inside:
                continue
            if leaves is not None and leaves.kept_print(seq) != digest:
                message = f"line {number} (leaf {seq}): the event differs from log entry {seq}"
                problems.append((number, DELTA_LEAF, message))
            report.count("delta events")
        for _number, _rank, message in sorted(problems, key=lambda found: found[:2]):
            report.fail(path, message)
        report.count("signed entries", outcome.signed)
    if previous is not None and previous != tree_size - 1:
        report.fail(path, f"ends at leaf {previous}, but the checkpoint has {tree_size} entries")
    return count

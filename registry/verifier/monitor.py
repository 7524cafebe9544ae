"""A monitor: follow a published feed from the last checkpoint it verified, and keep evidence.

Each run verifies the whole feed (every signature, every file hash, the log rebuilt from its
tiles, every snapshot and delta line matched against the log) and proves that the feed's
checkpoint extends the one the previous run accepted. The state directory holds:

- `vkey`: the log's checkpoint verifier key, pinned on the first run (or given by the operator);
- `checkpoint`: the last checkpoint note that verified; it only moves forward on a clean run;
- `runs.jsonl`: one line per run (time, outcome, version, size, problem count);
- `evidence/<time>/`: on a split view, the two checkpoint notes that contradict each other, both
  signed by the log's key (proof that the registry showed two histories), and the report.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from registry.errors import InvalidValue
from registry.timestamps import format_timestamp
from registry.verifier.report import VerificationReport
from registry.verifier.source import FeedSource
from registry.verifier.trust import check_vkey, parse_keys_document
from registry.verifier.verify import verify_feed

SAVED_CHECKPOINT = "last verified checkpoint"
OK, PROBLEMS, SPLIT_VIEW = "ok", "problems", "split_view"
EXIT_CODES = {OK: 0, PROBLEMS: 1, SPLIT_VIEW: 2}

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class MonitorResult:
    """The outcome of one run: `ok`, `problems` or `split_view`, with the verification report."""

    outcome: str
    report: VerificationReport
    previous_size: int | None
    evidence: Path | None = None

    @property
    def exit_code(self) -> int:
        """0 when the feed verified, 1 for problems, 2 for a split view."""
        return EXIT_CODES[self.outcome]


class MonitorState:
    """The files a monitor keeps between runs, in one directory."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _path(self, name: str) -> Path:
        return self.directory / name

    def read(self, name: str) -> str | None:
        """The text of a state file, or None before the first run wrote it."""
        path = self._path(name)
        return path.read_text(encoding="utf-8") if path.exists() else None

    def write(self, name: str, text: str) -> None:
        """Replace a state file atomically (a run killed midway leaves the old one)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self._path(name)
        temporary = path.with_name(path.name + ".tmp")
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(path)

    def append_run(self, record: dict[str, object]) -> None:
        """Add one line to runs.jsonl."""
        self.directory.mkdir(parents=True, exist_ok=True)
        with self._path("runs.jsonl").open("a", encoding="utf-8") as runs:
            runs.write(json.dumps(record, sort_keys=True) + "\n")

    def keep_evidence(self, now: dt.datetime, files: dict[str, str]) -> Path:
        """Write the evidence of a split view under evidence/<time>/ and return that folder."""
        folder = self._path("evidence") / now.strftime("%Y%m%dT%H%M%SZ")
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            (folder / name).write_text(text, encoding="utf-8")
        return folder


def pinned_vkey(source: FeedSource, state: MonitorState, vkey: str | None) -> str:
    """The checkpoint key this monitor trusts: given, pinned earlier, or pinned now (first use)."""
    saved = state.read("vkey")
    if vkey is not None:
        check_vkey(vkey)
        if saved is not None and saved.strip() != vkey:
            raise InvalidValue(
                "vkey",
                "differs from the key pinned in %(directory)s/vkey",
                directory=state.directory,
            )
        return vkey
    if saved is not None:
        return check_vkey(saved.strip())
    data = source.read("keys.json")
    if data is None:
        raise InvalidValue("keys.json", "is missing: give the log's key with --vkey")
    keys = parse_keys_document(data)
    current = [key for key in keys if key.note_vkey and key.valid_until is None]
    if len(current) != 1:
        raise InvalidValue("keys.json", "does not name exactly one current checkpoint key")
    note_vkey = current[0].note_vkey
    assert note_vkey is not None
    return note_vkey


def _quiet(_stage: str, _done: int, _total: int) -> None:
    """Progress callback that reports nothing."""


def _split_view(report: VerificationReport) -> bool:
    return any(failure.file == SAVED_CHECKPOINT for failure in report.failures)


def monitor_once(
    source: FeedSource,
    state: MonitorState,
    *,
    vkey: str | None = None,
    now: dt.datetime | None = None,
    progress: Progress | None = None,
) -> MonitorResult:
    """Verify the feed against the saved checkpoint; advance it only when everything held."""
    now = now or dt.datetime.now(dt.UTC)
    trusted = pinned_vkey(source, state, vkey)
    previous = state.read("checkpoint")
    report = verify_feed(
        source,
        vkey=trusted,
        since_note=previous,
        since_name=SAVED_CHECKPOINT,
        now=now,
        progress=progress or _quiet,
    )
    previous_size = _size_of(previous)
    evidence = None
    if report.ok:
        outcome = OK
        state.write("vkey", trusted + "\n")
        if report.checkpoint_note is not None:
            state.write("checkpoint", report.checkpoint_note)
    elif _split_view(report) and previous is not None:
        outcome = SPLIT_VIEW
        evidence = state.keep_evidence(
            now,
            {
                "previous.checkpoint": previous,
                "current.checkpoint": report.checkpoint_note or "",
                "report.txt": "\n".join([*report.problems(), report.summary()]) + "\n",
            },
        )
    else:
        outcome = PROBLEMS
    state.append_run(
        {
            "at": format_timestamp(now),
            "feed": source.location,
            "outcome": outcome,
            "version": report.version,
            "size": report.checkpoint.size if report.checkpoint else None,
            "previous_size": previous_size,
            "problems": len(report.problems()),
        }
    )
    return MonitorResult(outcome, report, previous_size, evidence)


def _size_of(note: str | None) -> int | None:
    lines = note.split("\n") if note else []
    return int(lines[1]) if len(lines) > 1 and lines[1].isdigit() else None

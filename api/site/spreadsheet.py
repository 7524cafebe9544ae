"""The current list as a CSV file for spreadsheets: translated headers, UTF-8 with BOM.

The feed's snapshot CSV is a machine format with fixed English column names (DESIGN section 5);
this download is for people: the visitor's language, plain labels instead of codes, a file
name that says what and when, and each entry's web address.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import compress
from operator import attrgetter, is_
from typing import Any, Protocol
from urllib.parse import quote

from flask_babel import lazy_gettext as _l

from api.site import labels
from api.site.gzip_segments import Segment, joined
from api.site.search_table import Row, newest_first_position
from registry.publication.as_of import ListState

UTF8_BOM = "\ufeff"
# Spreadsheets run a cell starting with these as a formula (OWASP "CSV injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
FILE_STEM = {"zh": "专利领域严重失信主体名单", "en": "patent-dishonesty-list"}
ASCII_STEM = "patent-dishonesty-list"


def _joined(values: Iterable[Any]) -> str:
    return "; ".join(str(value) for value in values if value)


Label = Callable[[Mapping[str, Any], str | None], str]


def _identifiers(subject: dict[str, Any], label: Label) -> str:
    return _joined(
        f"{label(labels.ID_SCHEMES, item.get('scheme'))} {item.get('value')}"
        for item in subject.get("identifiers") or []
    )


# (header, value of the entry content given a label function); the header is translated when
# the file is written.
COLUMNS: tuple[tuple[Any, Callable[[dict[str, Any], Label], str]], ...] = (
    (_l("Entry ID"), lambda c, label: str(c["entry_id"])),
    (_l("Subject name"), lambda c, label: str(c["subject"].get("name") or "")),
    (_l("Subject kind"), lambda c, label: label(labels.SUBJECT_KINDS, c["subject"].get("kind"))),
    (_l("Name in Latin letters"), lambda c, label: str(c["subject"].get("name_latin") or "")),
    (_l("Other names"), lambda c, label: _joined(c["subject"].get("aliases") or [])),
    (_l("Identifiers"), lambda c, label: _identifiers(c["subject"], label)),
    (
        _l("Legal representative"),
        lambda c, label: str(c["subject"].get("legal_representative") or ""),
    ),
    (_l("Region"), lambda c, label: str(c["subject"].get("region") or "")),
    (
        _l("Grounds"),
        lambda c, label: _joined(
            label(labels.GROUND_TITLES, g.get("code")) for g in c.get("grounds") or []
        ),
    ),
    (_l("Decided by"), lambda c, label: str((c.get("decision") or {}).get("authority") or "")),
    (
        _l("Decision document number"),
        lambda c, label: str((c.get("decision") or {}).get("document_number") or ""),
    ),
    (
        _l("Decided on"),
        lambda c, label: str((c.get("decision") or {}).get("decided_on") or ""),
    ),
    (_l("Listed on"), lambda c, label: str(c.get("listed_on") or "")),
    (_l("Listing period ends"), lambda c, label: str(c.get("period_end") or "")),
    (
        _l("Sectors"),
        lambda c, label: _joined(label(labels.SECTORS, code) for code in c.get("sectors") or []),
    ),
)


def _cell(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def _labels() -> Label:
    """`labels.label` for this request's language, each label translated once."""
    known: dict[tuple[int, str | None], str] = {}

    def label(table: Mapping[str, Any], code: str | None) -> str:
        key = (id(table), code)
        found = known.get(key)
        if found is None:
            found = known[key] = labels.label(table, code)
        return found

    return label


# The compressed file's segments. A segment ends after a row whose entry id hashes to 0
# modulo search_table.SEGMENT_ROWS (`Row.segment_end`): about that many rows a segment, and
# the same segments whatever was listed or removed elsewhere in the list. The next file takes
# over every segment no changed entry falls in (the next list state's catalogue shares the
# rows of the entries that did not change), so a new list state compresses only the segments
# it changed.
@dataclass(frozen=True)
class Kept:
    """One language's last file: its segments, and the catalogue it was written from."""

    state: weakref.ReferenceType[ListState]
    rows: Mapping[str, Row]  # the catalogue's rows by entry id
    runs: tuple[tuple[Row, ...], ...]  # each segment's rows, in catalogue order
    segments: tuple[Segment, ...]  # each segment compressed (the header is not kept)


# Beyond this many changed entries since the last file, the list is gone through again.
MOVED_AT_MOST = 100_000


class _Lines:
    """Each entry's CSV line in one language, written once and kept with its row."""

    def __init__(self, language: str, entry_url: Callable[[str], str]) -> None:
        self.language, self.entry_url = language, entry_url
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer)
        self.label = _labels()

    def header(self) -> str:
        return self._written([str(header) for header, _ in COLUMNS] + [str(_l("Web address"))])

    def of(self, row: Row) -> str:
        line = row.csv_lines.get(self.language)
        if line is None:
            content = row.entry.content or {}
            cells = [_cell(value(content, self.label)) for _, value in COLUMNS]
            line = self._written([*cells, self.entry_url(row.entry.entry_id)])
            row.csv_lines[self.language] = line
        return line

    def _written(self, cells: list[str]) -> str:
        self.buffer.seek(0)
        self.buffer.truncate()
        self.writer.writerow(cells)
        return self.buffer.getvalue()


IN_SPREADSHEET = attrgetter("in_spreadsheet")
SEGMENT_END = attrgetter("segment_end")


def listing_csv(rows: Iterable[Row], language: str, entry_url: Callable[[str], str]) -> str:
    """The listed entries among `rows` as CSV text (BOM first), headers in `language`, the
    current language.

    Each entry's line is written once per language and kept with its row, which the next list
    state's catalogue shares: a file after a new state writes the changed entries' lines.
    """
    lines = _Lines(language, entry_url)
    return UTF8_BOM + lines.header() + "".join(map(lines.of, filter(IN_SPREADSHEET, rows)))


class SpreadsheetSource(Protocol):
    """What the file is written from: a catalogue (api/site/catalogue.py)."""

    @property
    def state(self) -> ListState: ...
    @property
    def rows(self) -> Mapping[str, Row]: ...
    @property
    def ordered(self) -> tuple[Row, ...]: ...


def listing_gzip(
    catalogue: SpreadsheetSource,
    language: str,
    entry_url: Callable[[str], str],
    kept: Kept | None,
) -> tuple[bytes, Kept]:
    """`listing_csv` of the catalogue's rows in UTF-8, gzip-compressed
    (api/site/gzip_segments.py), and its segments for the next file.

    When `kept` (the last file in this language) was written from a state this one was moved
    from, only the segments the entries changed since fall in are written again, found by
    bisection; otherwise the rows are gone through by C-level iterators (a million of them),
    taking over each segment that holds the same rows.
    """
    lines = _Lines(language, entry_url)
    state = catalogue.state
    moved = None
    if kept is not None and (earlier := kept.state()) is not None and kept.runs:
        moved = state.moved_since(lambda base: base is earlier, MOVED_AT_MOST)
    if kept is not None and moved is not None:
        runs, segments = _moved_segments(catalogue, kept, moved[1], lines)
    else:
        runs, segments = _segments(catalogue.ordered, kept, lines)
    header = Segment.of((UTF8_BOM + lines.header()).encode())
    now = Kept(weakref.ref(state), catalogue.rows, tuple(runs), tuple(segments))
    return joined([header, *segments]), now


def _split(listed: Sequence[Row]) -> list[tuple[Row, ...]]:
    """`listed` in runs, each ending after a row that ends a segment (or at the end)."""
    ends = [*compress(range(1, len(listed) + 1), map(SEGMENT_END, listed)), len(listed)]
    runs, start = [], 0
    for end in ends:
        if end > start:
            runs.append(tuple(listed[start:end]))
            start = end
    return runs


def _segments(
    rows: Sequence[Row], kept: Kept | None, lines: _Lines
) -> tuple[list[tuple[Row, ...]], list[Segment]]:
    """Every run of the listed `rows`, each segment of `kept` holding the very same rows
    taken over and the others compressed."""
    before = (
        {}
        if kept is None
        else {run[0].order: (run, seg) for run, seg in zip(kept.runs, kept.segments, strict=True)}
    )
    runs = _split(tuple(compress(rows, map(IN_SPREADSHEET, rows))))
    segments = []
    for run in runs:
        found = before.get(run[0].order)
        if found is not None and len(found[0]) == len(run) and all(map(is_, found[0], run)):
            segments.append(found[1])
        else:
            segments.append(_compressed(run, lines))
    return runs, segments


def _compressed(run: Sequence[Row], lines: _Lines) -> Segment:
    return Segment.of("".join(map(lines.of, run)).encode())


def _moved_segments(
    catalogue: SpreadsheetSource, kept: Kept, changed: Iterable[str], lines: _Lines
) -> tuple[list[tuple[Row, ...]], list[Segment]]:
    """The runs and segments of the catalogue's file, from `kept`'s: only the segments a
    `changed` entry was or is in are written again, from the catalogue's rows between the
    segments' first rows (each found by bisection), and those that run on into the next."""
    firsts = [run[0].order for run in kept.runs]
    touched: set[int] = set()
    for entry_id in changed:
        for row in (kept.rows.get(entry_id), catalogue.rows.get(entry_id)):
            if row is not None and row.shown and row.in_spreadsheet:
                touched.add(_segment_of(firsts, row.order))
    ordered = catalogue.ordered
    runs: list[tuple[Row, ...]] = []
    segments: list[Segment] = []
    place = 0
    while place < len(firsts):
        if place not in touched:
            runs.append(kept.runs[place])
            segments.append(kept.segments[place])
            place += 1
            continue
        # The rows from this segment's first on (from the top for the first segment), up
        # to the next untouched segment that starts after a row ending a segment.
        start = 0 if place == 0 else newest_first_position(ordered, firsts[place])
        listed: list[Row] = []
        while True:
            place += 1
            end = (
                len(ordered)
                if place == len(firsts)
                else newest_first_position(ordered, firsts[place])
            )
            listed.extend(compress(ordered[start:end], map(IN_SPREADSHEET, ordered[start:end])))
            start = end
            if place == len(firsts):
                break
            if place not in touched and (not listed or listed[-1].segment_end):
                break
        for run in _split(listed):
            runs.append(run)
            segments.append(_compressed(run, lines))
    return runs, segments


def _segment_of(firsts: Sequence[tuple[str, str]], order: tuple[str, str]) -> int:
    """The segment a row of `order` is or goes in: the last whose first row's order is at
    least `order` (`firsts` largest first), or the first segment for a row above them all."""
    low, high = 0, len(firsts)
    while low < high:
        middle = (low + high) // 2
        if firsts[middle] >= order:
            low = middle + 1
        else:
            high = middle
    return max(low - 1, 0)


def attachment_header(language: str, day: dt.date) -> str:
    """`Content-Disposition` naming the file by what it is and the day (RFC 6266, RFC 5987)."""
    fallback = f"{ASCII_STEM}-{day.isoformat()}.csv"
    name = f"{FILE_STEM.get(language, ASCII_STEM)}-{day.isoformat()}.csv"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"

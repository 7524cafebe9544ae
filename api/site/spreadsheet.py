"""The current list as a CSV file for spreadsheets: translated headers, UTF-8 with BOM.

The feed's snapshot CSV is a machine format with fixed English column names (DESIGN section 5);
this download is for people: the visitor's language, plain labels instead of codes, a file
name that says what and when, and each entry's web address.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import compress
from operator import attrgetter, is_
from typing import Any
from urllib.parse import quote

from flask_babel import lazy_gettext as _l

from api.site import labels
from api.site.gzip_segments import Segment, joined
from api.site.search_table import Row

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


# The compressed file's segments: (rows, segment) by the segment's first entry id. A segment
# ends after a row whose entry id hashes to 0 modulo search_table.SEGMENT_ROWS
# (`Row.segment_end`): about that many rows a segment, and the same segments whatever was
# listed or removed elsewhere in the list. The next file takes a segment over when it holds
# the very same row objects (the next list state's catalogue shares the rows of the entries
# that did not change), so a new list state compresses only the segments it changed.
Kept = dict[str, tuple[tuple[Row, ...], Segment]]


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


def listing_gzip(
    rows: Sequence[Row], language: str, entry_url: Callable[[str], str], kept: Kept
) -> tuple[bytes, Kept]:
    """`listing_csv` in UTF-8, gzip-compressed (api/site/gzip_segments.py), and its segments.

    The segments in `kept` (those of the previous file in this language) holding the same
    rows are taken over; only the others are written and compressed. The rows are gone
    through by C-level iterators (a million of them after every new list state).
    """
    lines = _Lines(language, entry_url)
    segments = [Segment.of((UTF8_BOM + lines.header()).encode())]
    now: Kept = {}
    listed = tuple(compress(rows, map(IN_SPREADSHEET, rows)))
    ends = [*compress(range(1, len(listed) + 1), map(SEGMENT_END, listed)), len(listed)]
    start = 0
    for end in ends:
        if end == start:
            continue
        run, start = listed[start:end], end
        before = kept.get(run[0].entry.entry_id)
        if before is not None and len(before[0]) == len(run) and all(map(is_, before[0], run)):
            segment = before[1]
        else:
            segment = Segment.of("".join(map(lines.of, run)).encode())
        now[run[0].entry.entry_id] = (run, segment)
        segments.append(segment)
    return joined(segments), now


def attachment_header(language: str, day: dt.date) -> str:
    """`Content-Disposition` naming the file by what it is and the day (RFC 6266, RFC 5987)."""
    fallback = f"{ASCII_STEM}-{day.isoformat()}.csv"
    name = f"{FILE_STEM.get(language, ASCII_STEM)}-{day.isoformat()}.csv"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"

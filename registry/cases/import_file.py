"""Reading a cases CSV file: size and row limits, encoding detection, header, typed cells.

The file is refused as a whole (InvalidValue on `file`) when it cannot be read at all; header
problems are reported like row errors, on row 1, so the clerk sees them in the same table.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import hashlib
import io
import re
from dataclasses import dataclass, field

from registry.cases.records import CaseInput
from registry.errors import DomainError, InvalidValue, fill

# Every column the importer understands, in the order the example file uses.
SUBJECT_COLUMNS = (
    "subject_scheme",
    "subject_id_value",
    "subject_id_name",
    "subject_kind",
    "subject_name",
    "subject_region",
    "legal_representative",
)
CASE_COLUMNS = (
    "kind",
    "authority",
    "document_number",
    "decided_on",
    "effective_on",
    "act_start",
    "act_end",
    "patents",
    "infringement_found",
    "deliberate",
    "punitive_damages",
    "performance_deadline",
    "performance_status",
    "sectors",
    "conduct",
)
# Optional: one responsible person of the subject per row (registry/cases/import_persons.py).
PERSON_COLUMNS = (
    "person_role",
    "person_name",
    "person_scheme",
    "person_id_value",
    "person_id_name",
)
COLUMNS = SUBJECT_COLUMNS + CASE_COLUMNS + PERSON_COLUMNS
REQUIRED_COLUMNS = (
    "subject_scheme",
    "subject_id_value",
    "kind",
    "authority",
    "document_number",
    "decided_on",
)
# Tried in this order: UTF-8 (a BOM is dropped), then the Chinese national standard, which
# also decodes GBK. Anything neither can decode is refused rather than guessed.
ENCODINGS = ("utf-8-sig", "gb18030")
TRUE_WORDS = frozenset({"true", "是"})
FALSE_WORDS = frozenset({"false", "否"})
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class ImportLimits:
    """How large a file the importer accepts."""

    max_bytes: int = 5 * 1024 * 1024
    max_rows: int = 10_000


@dataclass(frozen=True)
class RowError:
    """One problem in the file: the row (header = 1), the column, and what is wrong.

    `reason` is in English; `template` and `params` say it again for translation, as a
    domain error's do (registry/errors.py). Build one with `row_error` or `row_error_of`.
    """

    row: int
    column: str
    reason: str
    template: str = field(default="", compare=False)
    params: tuple[tuple[str, object], ...] = field(default=(), compare=False)


def row_error(row: int, column: str, template: str, /, **params: object) -> RowError:
    """A problem stated as a literal template with named parameters."""
    return RowError(row, column, fill(template, params), template, tuple(params.items()))


def row_error_of(row: int, column: str, error: DomainError, reason: str | None = None) -> RowError:
    """A domain error's reason (or `reason`, its English shortened) as a problem of the row."""
    english = error.reason if isinstance(error, InvalidValue) else error.message
    return RowError(row, column, reason or english, error.template, tuple(error.params.items()))


@dataclass(frozen=True)
class CasesFile:
    """A decoded cases file: its data rows keyed by column, and problems found reading it."""

    sha256: str
    encoding: str
    rows: tuple[tuple[int, dict[str, str]], ...]
    errors: tuple[RowError, ...] = ()
    data_rows: int = 0  # every non-blank row after the header, readable or not

    @property
    def header_is_valid(self) -> bool:
        """True when the rows can be read column by column."""
        return not any(error.row == 1 for error in self.errors)


def decode(data: bytes) -> tuple[str, str]:
    """The file's text and the encoding it was read with; InvalidValue when it is neither."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InvalidValue("file", "is UTF-16 encoded; save it as CSV UTF-8 and upload it again")
    if b"\x00" in data:
        raise InvalidValue("file", "contains NUL bytes; it is not a CSV text file")
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding).removeprefix("\ufeff"), encoding
        except UnicodeDecodeError:
            continue
    raise InvalidValue(
        "file", "is neither UTF-8 nor GB18030/GBK text; save it as CSV UTF-8 and upload it again"
    )


def _header_errors(header: list[str]) -> list[RowError]:
    errors = [
        row_error(
            1,
            name or f"column {i + 1}",
            "unknown column; expected one of %(expected)s",
            expected=", ".join(COLUMNS),
        )
        for i, name in enumerate(header)
        if name not in COLUMNS
    ]
    errors += [
        row_error(1, name, "appears more than once in the header")
        for name in sorted({n for n in header if n and header.count(n) > 1})
    ]
    errors += [
        row_error(1, name, "required column is missing")
        for name in REQUIRED_COLUMNS
        if name not in header
    ]
    return errors


def read_cases_file(data: bytes, limits: ImportLimits | None = None) -> CasesFile:
    """Decode and split a cases CSV file; InvalidValue on `file` when it cannot be imported."""
    limits = limits or ImportLimits()
    if len(data) > limits.max_bytes:
        raise InvalidValue(
            "file",
            "is %(data_count)s bytes; at most %(max_bytes)s bytes can be imported at once",
            data_count=len(data),
            max_bytes=limits.max_bytes,
        )
    text, encoding = decode(data)
    records = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [name.strip() for name in next(records, [])]
        while header and not header[-1]:
            header.pop()  # spreadsheets pad rows with empty cells; they name nothing
        if not header:
            raise InvalidValue("file", "is empty; the first row must name the columns")
        rows: list[tuple[int, dict[str, str]]] = []
        errors = _header_errors(header)
        data_rows = 0
        for number, record in enumerate(records, start=2):
            if not any(cell.strip() for cell in record):
                continue  # blank lines keep their row number but carry nothing
            data_rows += 1
            if data_rows > limits.max_rows:
                raise InvalidValue(
                    "file",
                    "has more than %(max_rows)s rows; split it into smaller files",
                    max_rows=limits.max_rows,
                )
            if len(record) > len(header) and any(c.strip() for c in record[len(header) :]):
                errors.append(
                    row_error(
                        number,
                        f"column {len(header) + 1}",
                        "has %(cells)s cells but the header names %(columns)s columns",
                        cells=len(record),
                        columns=len(header),
                    )
                )
                continue
            rows.append((number, dict(zip(header, record, strict=False))))
    except csv.Error as error:
        raise InvalidValue(
            "file",
            "is not valid CSV near line %(line_num)s: %(error)s",
            line_num=records.line_num,
            error=error,
        ) from error
    if not rows and not errors:
        raise InvalidValue("file", "has a header but no rows to import")
    return CasesFile(
        sha256=hashlib.sha256(data).hexdigest(),
        encoding=encoding,
        rows=tuple(rows),
        errors=tuple(errors),
        data_rows=data_rows,
    )


class RowReader:
    """Reads one row's cells into typed values, noting every cell that cannot be read."""

    def __init__(self, number: int, values: dict[str, str]) -> None:
        self.number = number
        self.values = values
        self.errors: list[RowError] = []

    def text(self, column: str) -> str:
        """The cell, trimmed ('' when the column is absent)."""
        return (self.values.get(column) or "").strip()

    def date(self, column: str, required: bool = False) -> dt.date | None:
        """A YYYY-MM-DD cell as a date; None when empty or unreadable."""
        raw = self.text(column)
        if not raw:
            if required:
                self.errors.append(row_error(self.number, column, "is required (YYYY-MM-DD)"))
            return None
        if _DATE_RE.match(raw):
            with contextlib.suppress(ValueError):  # e.g. 2026-02-30: reported below
                return dt.date.fromisoformat(raw)
        self.errors.append(
            row_error(self.number, column, "%(raw)r is not a date; use YYYY-MM-DD", raw=raw)
        )
        return None

    def required(self, column: str) -> str:
        """The cell, noting an error when it is empty."""
        raw = self.text(column)
        if not raw:
            self.errors.append(row_error(self.number, column, "is required"))
        return raw

    def flag(self, column: str, default: bool | None) -> bool | None:
        """A true/false/是/否 cell; `default` when empty."""
        raw = self.text(column)
        if not raw:
            return default
        if raw.lower() in TRUE_WORDS | FALSE_WORDS:
            return raw.lower() in TRUE_WORDS
        self.errors.append(
            row_error(self.number, column, "%(raw)r is not true/false/是/否", raw=raw)
        )
        return default

    def items(self, column: str) -> list[str]:
        """The `;`-separated values of a cell."""
        return [item.strip() for item in self.text(column).split(";") if item.strip()]

    def case_input(self) -> CaseInput:
        """The case columns as the recording service takes them (subject decided elsewhere)."""
        return CaseInput(
            subject_id=0,  # decided by the subject columns, once the subject is known or created
            kind=self.required("kind"),
            authority=self.required("authority"),
            document_number=self.required("document_number"),
            decided_on=self.date("decided_on", required=True) or dt.date.min,
            effective_on=self.date("effective_on"),
            act_start=self.date("act_start"),
            act_end=self.date("act_end"),
            patents=self.items("patents"),
            infringement_found=self.flag("infringement_found", None),
            deliberate=bool(self.flag("deliberate", False)),
            punitive_damages=bool(self.flag("punitive_damages", False)),
            performance_deadline=self.date("performance_deadline"),
            performance_status=self.text("performance_status") or "pending",
            sectors=self.items("sectors"),
            conduct=self.text("conduct") or None,
        )

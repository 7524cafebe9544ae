"""The current list as a CSV file for spreadsheets: translated headers, UTF-8 with BOM.

The feed's snapshot CSV is a machine format with fixed English column names (DESIGN section 5);
this download is for people: the visitor's language, plain labels instead of codes, a file
name that says what and when, and each entry's web address.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import quote

from flask_babel import lazy_gettext as _l

from api.site import labels
from registry.publication.public_view import PublicEntry

UTF8_BOM = "\ufeff"
# Spreadsheets run a cell starting with these as a formula (OWASP "CSV injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
FILE_STEM = {"zh": "专利领域严重失信主体名单", "en": "patent-dishonesty-list"}
ASCII_STEM = "patent-dishonesty-list"


def _joined(values: Iterable[Any]) -> str:
    return "; ".join(str(value) for value in values if value)


def _identifiers(subject: dict[str, Any]) -> str:
    return _joined(
        f"{labels.label(labels.ID_SCHEMES, item.get('scheme'))} {item.get('value')}"
        for item in subject.get("identifiers") or []
    )


# (header, value of the entry content); the header is translated when the file is written.
COLUMNS: tuple[tuple[Any, Callable[[dict[str, Any]], str]], ...] = (
    (_l("Entry ID"), lambda c: str(c["entry_id"])),
    (_l("Subject name"), lambda c: str(c["subject"].get("name") or "")),
    (_l("Subject kind"), lambda c: labels.label(labels.SUBJECT_KINDS, c["subject"].get("kind"))),
    (_l("Name in Latin letters"), lambda c: str(c["subject"].get("name_latin") or "")),
    (_l("Other names"), lambda c: _joined(c["subject"].get("aliases") or [])),
    (_l("Identifiers"), lambda c: _identifiers(c["subject"])),
    (_l("Legal representative"), lambda c: str(c["subject"].get("legal_representative") or "")),
    (_l("Region"), lambda c: str(c["subject"].get("region") or "")),
    (
        _l("Grounds"),
        lambda c: _joined(
            labels.label(labels.GROUND_TITLES, g.get("code")) for g in c.get("grounds") or []
        ),
    ),
    (_l("Decided by"), lambda c: str((c.get("decision") or {}).get("authority") or "")),
    (
        _l("Decision document number"),
        lambda c: str((c.get("decision") or {}).get("document_number") or ""),
    ),
    (_l("Decided on"), lambda c: str((c.get("decision") or {}).get("decided_on") or "")),
    (_l("Listed on"), lambda c: str(c.get("listed_on") or "")),
    (_l("Listing period ends"), lambda c: str(c.get("period_end") or "")),
    (
        _l("Sectors"),
        lambda c: _joined(labels.label(labels.SECTORS, code) for code in c.get("sectors") or []),
    ),
)


def _cell(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def listing_csv(entries: Iterable[PublicEntry], entry_url: Callable[[str], str]) -> str:
    """The listed entries as CSV text (BOM first), headers in the current language."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([str(header) for header, _ in COLUMNS] + [str(_l("Web address"))])
    for entry in entries:
        if not entry.listed or entry.content is None:
            continue
        row = [_cell(value(entry.content)) for _, value in COLUMNS]
        writer.writerow([*row, entry_url(entry.entry_id)])
    return UTF8_BOM + buffer.getvalue()


def attachment_header(language: str, day: dt.date) -> str:
    """`Content-Disposition` naming the file by what it is and the day (RFC 6266, RFC 5987)."""
    fallback = f"{ASCII_STEM}-{day.isoformat()}.csv"
    name = f"{FILE_STEM.get(language, ASCII_STEM)}-{day.isoformat()}.csv"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"

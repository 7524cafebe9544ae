"""The national platform export: listing and removal records in the public lists' field layout.

A publication run that finds new listing or removal decisions writes them as
`national-platform-<tree size>.csv` (UTF-8 with BOM, Chinese headers, for the clerk who uploads
it) and `.json` (the same records under English keys).
The field mapping and where each field comes from: docs/national-platform-export.md.
Only published, masked data goes in: a natural person's identifier is masked.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from publisher.writers.atomic import write_atomic
from publisher.writers.csv_text import csv_text
from publisher.writers.snapshot import UTF8_BOM, neutralise_formula
from registry.listings.list_types.loader import ListType, list_types_in
from registry.subjects.identifiers import public_identifiers

EXPORT_TYPE = "ipl.national-export/v1"
# (JSON key, CSV header): the order of the columns.
FIELDS = (
    ("record_kind", "记录类型"),
    ("entry_id", "名单编号"),
    ("subject_code", "统一社会信用代码/证件号码"),
    ("subject_name", "失信主体名称"),
    ("legal_representative", "法定代表人（负责人）"),
    ("list_type", "名单类型"),
    ("reason", "列入事由"),
    ("decision_document", "列入决定文书号"),
    ("basis_documents", "认定依据文书号"),
    ("listing_authority", "列入机关"),
    ("listed_on", "列入日期"),
    ("period_end", "有效期至"),
    ("removed_on", "移出日期"),
    ("removal_reason", "移出原因"),
)
RECORD_KINDS = {"listed": "列入", "removed": "移出"}
# Written for a ground whose code no configured list type has (a type since withdrawn).
UNCONFIGURED = "名单类型未在本登记机关配置"
REMOVAL_REASONS = {
    "expired": "列入期限届满",
    "credit_restored": "信用修复",
    "basis_revoked": "据以列入的决定被撤销",
    "error": "错误列入，予以更正",
}
SEPARATOR = "；"


@dataclass(frozen=True)
class ExportedEntry:
    """One entry as the export reads it: its signed content and, once ended, when and why."""

    content: Mapping[str, Any]
    ended: tuple[dt.date, str] | None = None
    # A legal representative recorded for the subject, when the entry names none.
    legal_representative: str | None = None
    # Which of its records to write: its listing, its removal (once ended), or both.
    events: frozenset[str] = frozenset({"listed", "removed"})


def _subject_code(subject: Mapping[str, Any]) -> str:
    identifiers = public_identifiers(
        subject.get("identifiers") or [], subject.get("kind") == "natural_person"
    )
    preferred = sorted(identifiers, key=lambda item: item.get("scheme") != "cn_uscc")
    return str(preferred[0].get("value") or "") if preferred else ""


def _grounds(content: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [g for g in content.get("grounds") or [] if isinstance(g, Mapping)]


def _chinese(ground: Mapping[str, Any], field: str, v2: bool) -> str | None:
    """The ground's own Chinese `field` of a v2 entry; None where it holds no Chinese text.

    A v1 entry's texts are English; a v2 ground proposed before list types existed carries its
    code as name and its English explanation in both fields (docs/entry-v2.md).
    """
    text = str(ground.get(field) or "")
    if not v2 or not text or text == ground.get("code") or text == ground.get(f"{field}_en"):
        return None
    return text


def _list_type_and_reason(
    content: Mapping[str, Any], configured: Mapping[str, str]
) -> tuple[str, str]:
    """The grounds' Chinese list-type names and reasons, from the entry or its configured type.

    `configured` maps each configured list type's code to its Chinese name.
    """
    v2 = content.get("type") == "ipl.entry/v2"
    names, reasons = [], []
    for ground in _grounds(content):
        fallback = configured.get(str(ground.get("code")), UNCONFIGURED)
        names.append(_chinese(ground, "name", v2) or fallback)
        reasons.append(_chinese(ground, "explanation", v2) or fallback)
    return SEPARATOR.join(names), SEPARATOR.join(reasons)


def records(entry: ExportedEntry, types: Sequence[ListType] | None = None) -> list[dict[str, str]]:
    """The listing record of an entry and, once it ended, its removal record (as asked).

    `types` are the configured list types (default: the shipped ones); a v1 entry, whose texts
    are English, is described by its list type's Chinese name.
    """
    return _records(entry, _names(types))


def _names(types: Sequence[ListType] | None) -> dict[str, str]:
    """Each list type's code -> its Chinese name (default: the shipped types)."""
    return {t.code: t.name_zh for t in (list_types_in() if types is None else types)}


def _records(entry: ExportedEntry, configured: Mapping[str, str]) -> list[dict[str, str]]:
    content = entry.content
    list_type, reason = _list_type_and_reason(content, configured)
    subject = content.get("subject") or {}
    decision = content.get("decision") or {}
    listing = {
        "record_kind": RECORD_KINDS["listed"],
        "entry_id": str(content.get("entry_id") or ""),
        "subject_code": _subject_code(subject),
        "subject_name": str(subject.get("name") or ""),
        "legal_representative": str(
            subject.get("legal_representative") or entry.legal_representative or ""
        ),
        "list_type": list_type,
        "reason": reason,
        "decision_document": str(decision.get("document_number") or ""),
        "basis_documents": SEPARATOR.join(
            str(case.get("document_number") or "") for case in content.get("basis") or []
        ),
        "listing_authority": str(decision.get("authority") or ""),
        "listed_on": str(content.get("listed_on") or ""),
        "period_end": str(content.get("period_end") or ""),
        "removed_on": "",
        "removal_reason": "",
    }
    found = [listing] if "listed" in entry.events else []
    if entry.ended is not None and "removed" in entry.events:
        ended_on, reason = entry.ended
        removal = listing | {
            "record_kind": RECORD_KINDS["removed"],
            "removed_on": ended_on.isoformat(),
            "removal_reason": REMOVAL_REASONS.get(reason, reason),
        }
        found.append(removal)
    return found


def _csv_line(values: Iterable[str]) -> str:
    return csv_text(list(values))


def _json_record(row: Mapping[str, str]) -> str:
    """A record as `json.dumps(..., indent=1)` lays it out inside the document's list.

    A record is flat, string to string, so the separators alone give that layout, and the
    fast encoder (not used with `indent`) writes it.
    """
    flat = json.dumps(row, ensure_ascii=False, separators=(",\n   ", ": "))
    return "  {\n   " + flat[1:-1] + "\n  }"


@dataclass(frozen=True)
class NationalExport:
    """The files one run wrote and how many records are in them."""

    csv_path: Path
    json_path: Path
    records: int


def _spooled(spool: IO[bytes]) -> Iterator[bytes]:
    spool.seek(0)
    while chunk := spool.read(1 << 20):
        yield chunk


def export_paths(directory: Path, tree_size: int) -> tuple[Path, Path]:
    """The CSV and JSON files of the export made at log size `tree_size`."""
    stem = directory / f"national-platform-{tree_size}"
    return stem.with_suffix(".csv"), stem.with_suffix(".json")


def write_national_export(
    directory: Path,
    as_of: dt.date,
    tree_size: int,
    entries: Iterable[ExportedEntry],
    types: Sequence[ListType] | None = None,
) -> NationalExport:
    """Write `national-platform-<tree_size>.csv` and `.json` into `directory`, atomically.

    The records stream: the CSV is written as they come, the JSON records meanwhile go to a
    temporary file, so memory does not grow with the export.
    """
    configured = _names(types)  # once, not per entry
    csv_path, json_path = export_paths(directory, tree_size)
    head = {
        "type": EXPORT_TYPE,
        "as_of": as_of.isoformat(),
        "tree_size": tree_size,
        "fields": {key: header for key, header in FIELDS},
        "records": [],
    }
    # The document of no records ends in `[]\n}`: the records go between the brackets.
    opening = json.dumps(head, ensure_ascii=False, indent=1)[: -len("]\n}")]
    count = 0
    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryFile(dir=directory) as spool:

        def csv_chunks() -> Iterator[bytes]:
            nonlocal count
            yield UTF8_BOM + _csv_line(header for _key, header in FIELDS).encode("utf-8")
            for entry in entries:
                lines, recorded = [], []
                for row in _records(entry, configured):
                    lines.append(_csv_line(neutralise_formula(row[key]) for key, _header in FIELDS))
                    recorded.append(_json_record(row))
                if recorded:
                    separator = "\n" if count == 0 else ",\n"
                    spool.write((separator + ",\n".join(recorded)).encode("utf-8"))
                    count += len(recorded)
                    yield "".join(lines).encode("utf-8")

        def json_chunks() -> Iterator[bytes]:
            yield opening.encode("utf-8")
            yield from _spooled(spool)
            yield b"\n ]\n}\n" if count else b"]\n}\n"

        write_atomic(csv_path, csv_chunks())
        write_atomic(json_path, json_chunks())
    return NationalExport(csv_path, json_path, count)

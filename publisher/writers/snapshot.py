"""The snapshot of every currently published signed entry: JSONL for machines, CSV for people.

Both stream: bundles are checked, encoded and written one at a time, so a snapshot of a
million entries never sits in memory.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from publisher.writers.atomic import write_immutable
from publisher.writers.index import Counter, Resource, check_version, describe
from registry.canonical import canonical_bytes
from registry.errors import InvalidValue
from registry.subjects.identifiers import public_identifiers

CSV_COLUMNS = (
    "entry_id",
    "revision",
    "status",
    "subject_kind",
    "subject_name",
    "subject_name_latin",
    "aliases",
    "identifiers",
    "legal_representative",
    "region",
    "grounds",
    "basis_document_numbers",
    "patents",
    "decision_authority",
    "decision_number",
    "decision_date",
    "sectors",
    "listed_on",
    "period_end",
    "measures",
    "remedy",
    "kid",
    "sig",
)
LIST_SEPARATOR = "; "
UTF8_BOM = b"\xef\xbb\xbf"
# Spreadsheets run a cell starting with these as a formula (OWASP "CSV injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def in_entry_order(
    bundles: Iterable[Any], counter: Counter | None = None
) -> Iterator[Mapping[str, Any]]:
    """Yield signed bundles, checking their shape and that entry_ids strictly increase."""
    previous: str | None = None
    for number, bundle in enumerate(bundles):
        field = f"bundles[{number}]"
        if not isinstance(bundle, Mapping):
            reason = f"must be a signed bundle object, got {type(bundle).__name__}"
            raise InvalidValue(field, reason)
        entry = bundle.get("entry")
        if not isinstance(entry, Mapping):
            raise InvalidValue(f"{field}.entry", "must be the published entry object")
        if not isinstance(bundle.get("signature"), Mapping):
            raise InvalidValue(f"{field}.signature", "must be the entry signature object")
        entry_id = entry.get("entry_id")
        if not isinstance(entry_id, str) or not entry_id:
            raise InvalidValue(f"{field}.entry.entry_id", "must be a non-empty string")
        if previous is not None and entry_id <= previous:
            raise InvalidValue(
                f"{field}.entry.entry_id",
                f"{entry_id!r} follows {previous!r}; pass bundles sorted by entry_id, each once",
            )
        previous = entry_id
        if counter is not None:
            counter.value += 1
        yield bundle


def _jsonl_lines(bundles: Iterable[Any], counter: Counter) -> Iterator[bytes]:
    for bundle in in_entry_order(bundles, counter):
        yield canonical_bytes(bundle) + b"\n"


def write_snapshot_jsonl(
    feed_dir: str | os.PathLike[str], version: int, bundles: Iterable[Any]
) -> Resource:
    """Write `snapshot/<version>.jsonl`: one JCS signed bundle per line, sorted by entry_id."""
    directory = Path(feed_dir)
    path = directory / "snapshot" / f"{check_version(version)}.jsonl"
    counter = Counter()
    written = write_immutable(path, _jsonl_lines(bundles, counter))
    return describe(directory, path, "snapshot", written, counter.value)


def neutralise_formula(cell: str) -> str:
    """Return `cell` with a leading apostrophe if a spreadsheet would run it as a formula."""
    return f"'{cell}" if cell.startswith(FORMULA_PREFIXES) else cell


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _joined(values: Iterable[Any]) -> str:
    return LIST_SEPARATOR.join(_text(value) for value in values)


def _identifier(identifier: Mapping[str, Any]) -> str:
    scheme = _text(identifier.get("scheme"))
    qualifier = identifier.get("name") or identifier.get("country")
    if qualifier:
        scheme = f"{scheme}({qualifier})"
    return f"{scheme}:{_text(identifier.get('value'))}"


def csv_row(bundle: Mapping[str, Any]) -> list[str]:
    """Flatten one signed bundle into the CSV columns, formula-neutralised."""
    entry = bundle["entry"]
    subject = entry.get("subject") or {}
    decision = entry.get("decision") or {}
    basis = entry.get("basis") or []
    signature = bundle["signature"]
    # The same patent often underlies several cases; list it once, in first-seen order.
    patents = dict.fromkeys(patent for case in basis for patent in case.get("patents") or [])
    cells = [
        entry.get("entry_id"),
        entry.get("revision"),
        entry.get("status"),
        subject.get("kind"),
        subject.get("name"),
        subject.get("name_latin"),
        _joined(subject.get("aliases") or []),
        _joined(
            _identifier(item)
            for item in public_identifiers(
                subject.get("identifiers") or [], subject.get("kind") == "natural_person"
            )
        ),
        subject.get("legal_representative"),
        subject.get("region"),
        _joined(ground.get("code") for ground in entry.get("grounds") or []),
        _joined(case.get("document_number") for case in basis),
        _joined(patents),
        decision.get("authority"),
        decision.get("document_number"),
        decision.get("decided_on"),
        _joined(entry.get("sectors") or []),
        entry.get("listed_on"),
        entry.get("period_end"),
        _joined(entry.get("measures") or []),
        entry.get("remedy"),
        signature.get("kid"),
        signature.get("sig"),
    ]
    row = []
    for cell in cells:  # _text, then neutralise_formula, inlined: this runs per cell and entry
        text = "" if cell is None else cell if type(cell) is str else str(cell)
        row.append(f"'{text}" if text.startswith(FORMULA_PREFIXES) else text)
    return row


def _csv_lines(bundles: Iterable[Any], counter: Counter) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> bytes:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text.encode("utf-8")

    writer.writerow(CSV_COLUMNS)
    yield UTF8_BOM + flush()
    for bundle in in_entry_order(bundles, counter):
        writer.writerow(csv_row(bundle))
        yield flush()


def write_snapshot_csv(
    feed_dir: str | os.PathLike[str], version: int, bundles: Iterable[Any]
) -> Resource:
    """Write `snapshot/<version>.csv`: the snapshot flattened, UTF-8 with BOM, one row per entry."""
    directory = Path(feed_dir)
    path = directory / "snapshot" / f"{check_version(version)}.csv"
    counter = Counter()
    written = write_immutable(path, _csv_lines(bundles, counter))
    return describe(directory, path, "snapshot_csv", written, counter.value)

"""Watchlist input: counterparties (JSON rows or a CSV file) and webhook targets, validated.

Bulk uploads are checked row by row and field by field; every problem is reported under a key
naming the row and the field (`items[12].identifiers[0].value` for JSON, `row[14].region` for
CSV, where row 1 is the header as in a spreadsheet), and nothing is stored unless all rows pass.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

from registry.clients.egress import EgressPolicy
from registry.errors import InvalidValue, translatable
from registry.models import SUBJECT_KINDS
from registry.subjects.identifiers import public_identifiers as masked_identifiers
from registry.subjects.identifiers import validate_identifier
from registry.subjects.records import clean_text

MAX_ITEMS = 100_000
# Past this many problems the upload is clearly the wrong file; more would only bloat the reply.
MAX_REPORTED_ERRORS = 100
CSV_COLUMNS = ("name", "kind", "region", "identifiers", "external_ref")
ITEM_FIELDS = frozenset(CSV_COLUMNS)
MAX_URL_LENGTH = 500
_REGION_RE = re.compile(r"^\d{6}$")


class InvalidItems(InvalidValue):
    """Some uploaded rows are invalid; `errors` maps `<row>.<field>` to the reasons."""

    frame = translatable(
        "%(invalid_rows)s row(s) are invalid and nothing was added; first: %(field)s: %(reason)s"
    )

    def __init__(
        self, first: InvalidValue, errors: dict[str, list[str]], invalid_rows: int
    ) -> None:
        super().__init__(first.field, first.template, **first.params)
        self.errors = errors
        self._framed(first.reason, invalid_rows=invalid_rows, field=first.field)


def _identifiers(raw: object, field: str) -> list[dict[str, str]]:
    if not isinstance(raw, list):
        raise InvalidValue(field, "must be a list of {scheme, value} objects")
    checked = []
    for position, pair in enumerate(raw):
        where = f"{field}[{position}]"
        if not isinstance(pair, Mapping):
            raise InvalidValue(where, "must be an object with scheme and value")
        if not isinstance(pair.get("name", ""), str | None):
            raise InvalidValue(f"{where}.name", "must be a string (the foreign scheme's name)")
        identifier = validate_identifier(
            pair.get("scheme", ""),
            pair.get("value", ""),
            pair.get("name") or pair.get("country"),
            where,
        )
        stored = {"scheme": identifier.scheme, "value": identifier.value}
        if identifier.name:
            stored["name"] = identifier.name
        checked.append(stored)
    return checked


def _text(raw: str, field: str, max_length: int, required: bool = False) -> str:
    # `isprintable()` proves in C that no control character is present; only the rare text
    # failing it takes clean_text's character-by-character check (100,000 rows add up).
    text = unicodedata.normalize("NFKC", raw).strip()
    if text.isprintable() and len(text) <= max_length and (text or not required):
        return text
    return clean_text(raw, field, max_length, required)


def _optional_text(raw: object, field: str, max_length: int) -> str:
    if raw is None:
        return ""
    if not isinstance(raw, str):
        raise InvalidValue(field, "must be a string")
    return _text(raw, field, max_length)


IdentifierReader = Callable[[object, str], list[dict[str, str]]]


def _row_fields(
    row: Mapping[str, Any], prefix: str, read_identifiers: IdentifierReader
) -> tuple[dict[str, Any], dict[str, InvalidValue]]:
    """Validate each field of one row on its own, so one upload reports every problem."""
    fields: dict[str, Any] = {}
    problems: dict[str, InvalidValue] = {}
    for unknown in sorted(set(row) - ITEM_FIELDS):
        problems[f"{prefix}.{unknown}"] = InvalidValue(
            f"{prefix}.{unknown}",
            "unknown field; expected %(expected)s",
            expected=", ".join(CSV_COLUMNS),
        )
    checks: tuple[tuple[str, Callable[[Any, str], Any]], ...] = (
        *_FIELD_CHECKS,
        ("identifiers", read_identifiers),
    )
    for name, check in checks:
        try:
            fields[name] = check(row.get(name), f"{prefix}.{name}")
        except InvalidValue as error:
            problems[error.field] = error
    return fields, problems


def _name(raw: object, field: str) -> str:
    if not isinstance(raw, str):
        raise InvalidValue(field, "must be a non-empty string")
    return _text(raw, field, 200, required=True)


def _external_ref(raw: object, field: str) -> str:
    return _optional_text(raw, field, 100)


def _kind(raw: object, field: str) -> str | None:
    if raw in (None, ""):
        return None
    if raw not in SUBJECT_KINDS:
        raise InvalidValue(
            field,
            "unknown kind %(raw)r; expected %(expected)s",
            raw=raw,
            expected=", ".join(SUBJECT_KINDS),
        )
    return str(raw)


def _region(raw: object, field: str) -> str | None:
    if raw in (None, ""):
        return None
    if not isinstance(raw, str) or not _REGION_RE.match(raw.strip()):
        raise InvalidValue(field, "must be a 6-digit administrative division code, e.g. 440300")
    return raw.strip()


_FIELD_CHECKS: tuple[tuple[str, Callable[[Any, str], Any]], ...] = (
    ("name", _name),
    ("kind", _kind),
    ("region", _region),
    ("external_ref", _external_ref),
)


def validate_items(
    rows: Iterable[tuple[str, object]], read_identifiers: IdentifierReader
) -> list[dict[str, Any]]:
    """Validate `(row label, row)` pairs; return storable items or raise InvalidItems.

    A row given as an InvalidValue is one that could not be read at all; the error says why.
    """
    items: list[dict[str, Any]] = []
    errors: dict[str, list[str]] = {}
    invalid_rows = 0
    first: InvalidValue | None = None
    for label, row in rows:
        if isinstance(row, InvalidValue):
            problems = {label: row}
        elif not isinstance(row, Mapping):
            problems = {
                label: InvalidValue(label, "must be an object with name, kind, region, identifiers")
            }
        else:
            fields, problems = _row_fields(row, label, read_identifiers)
            if not problems:
                items.append(fields)
        if problems:
            invalid_rows += 1
            for field, problem in problems.items():
                first = first or problem
                if len(errors) < MAX_REPORTED_ERRORS:
                    errors[field] = [problem.reason]
    if first is not None:
        raise InvalidItems(first, errors, invalid_rows)
    return items


def _json_identifiers(raw: object, field: str) -> list[dict[str, str]]:
    return _identifiers([] if raw is None else raw, field)


def items_from_json(body: object) -> list[dict[str, Any]]:
    """Validate a JSON upload: an array of items, or `{"items": [...]}`."""
    rows = body.get("items") if isinstance(body, Mapping) else body
    if not isinstance(rows, list):
        raise InvalidValue("items", "send a JSON array of items, or an object with an items array")
    check_upload_size(len(rows))
    labelled = ((f"items[{position}]", row) for position, row in enumerate(rows))
    return validate_items(labelled, _json_identifiers)


def _csv_identifiers(cell: object, field: str) -> list[dict[str, str]]:
    """`cn_uscc:<code>;other:<scheme name>:<value>` into validated identifiers."""
    parsed = []
    parts = [p.strip() for p in str(cell or "").split(";") if p.strip()]
    for position, part in enumerate(parts):
        scheme, _, rest = part.partition(":")
        if not rest:
            raise InvalidValue(
                f"{field}[{position}]", "write scheme:value, e.g. cn_uscc:91350100M000100Y43"
            )
        if scheme.strip() == "other":
            name, _, value = rest.partition(":")
            parsed.append({"scheme": "other", "name": name, "value": value})
        else:
            parsed.append({"scheme": scheme.strip(), "value": rest})
    return _identifiers(parsed, field)


def _csv_rows(reader: csv.DictReader[str]) -> Iterator[tuple[str, object]]:
    for row in reader:
        label = f"row[{reader.line_num}]"
        if None in row:
            yield label, InvalidValue(label, "has more cells than the header has columns")
        else:
            yield label, {key: (value or "").strip() for key, value in row.items()}


def items_from_csv(data: bytes) -> list[dict[str, Any]]:
    """Validate a CSV upload (UTF-8, a header row naming the columns)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidValue(
            "file",
            "must be UTF-8 text (byte %(error_start)s is not)",
            error_start=error.start,
        ) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip() for name in reader.fieldnames or []]
    if "name" not in header:
        raise InvalidValue(
            "file",
            "the first row must name the columns: %(expected)s",
            expected=", ".join(CSV_COLUMNS),
        )
    unknown = [name for name in header if name not in ITEM_FIELDS]
    if unknown:
        expected = ", ".join(CSV_COLUMNS)
        raise InvalidValue(
            "file",
            "unknown column %(unknown)r; expected %(expected)s",
            unknown=unknown[0],
            expected=expected,
        )
    reader.fieldnames = header
    rows = list(_csv_rows(reader))
    check_upload_size(len(rows))
    return validate_items(rows, _csv_identifiers)


def check_upload_size(count: int, existing: int = 0) -> None:
    """Refuse an empty upload, or one that would take a list past MAX_ITEMS."""
    if count == 0:
        raise InvalidValue("items", "the upload holds no items")
    if existing + count > MAX_ITEMS:
        raise InvalidValue(
            "items",
            "a watchlist holds at most %(MAX_ITEMS)s items; it has %(existing)s and the "
            "upload adds %(count)s",
            MAX_ITEMS=MAX_ITEMS,
            existing=existing,
            count=count,
        )


def public_identifiers(identifiers: list[dict[str, str]]) -> list[dict[str, str]]:
    """Identifiers as returned by the API: personal identifiers masked, as everywhere else.

    A watch item's `other` value may be a person's, so it is masked too.
    """
    return masked_identifiers(identifiers, natural_person=True)


def check_webhook_url(url: object, policy: EgressPolicy) -> str:
    """An http(s) URL with a host that is not, in any spelling, an address `policy` refuses.

    Host names are checked again at delivery, against every address they resolve to then.
    """
    if not isinstance(url, str) or not url.strip():
        raise InvalidValue("webhook_url", "must be an http or https URL")
    url = url.strip()
    if len(url) > MAX_URL_LENGTH:
        raise InvalidValue(
            "webhook_url",
            "is longer than %(MAX_URL_LENGTH)s characters",
            MAX_URL_LENGTH=MAX_URL_LENGTH,
        )
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise InvalidValue(
            "webhook_url",
            "is not a valid URL: %(error)s",
            error=error,
        ) from None
    if parts.scheme not in ("http", "https"):
        raise InvalidValue(
            "webhook_url",
            "scheme must be http or https, not %(scheme)r",
            scheme=parts.scheme,
        )
    if not parts.hostname:
        raise InvalidValue("webhook_url", "must name a host")
    if parts.username or parts.password:
        raise InvalidValue("webhook_url", "must not carry credentials; the secret signs requests")
    if parts.fragment:
        raise InvalidValue("webhook_url", "must not have a #fragment")
    if port == 0:
        raise InvalidValue("webhook_url", "port 0 is not a usable port")
    policy.check_host(parts.hostname)
    return url

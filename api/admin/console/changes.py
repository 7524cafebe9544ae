"""An audit record's before and after as a field-by-field list of changes, in words."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from api.admin.console.forms import field_label
from api.admin.console.words import word

# Fields whose values are codes, and the table of words for them (by the record's type).
CODED_FIELDS = {
    "state": "state",
    "role": "role",
    "reason_code": "removal",
    "decision": "decision",
    "performance_status": "performance",
}
KIND_TABLES = {"subject": "subject_kind", "case": "case_kind", "request": "request"}


@dataclass(frozen=True)
class FieldChange:
    """One field of an audited object: its label and its value before and after."""

    field: str
    label: str
    before: str | None
    after: str | None


def shown(value: Any, table: str | None = None) -> str:
    """A recorded value as text: codes in words, strings as written, lists joined, else JSON."""
    if table is not None and isinstance(value, str):
        return word(table, value)
    if table is not None and isinstance(value, list):
        return "、".join(word(table, item) for item in value if isinstance(item, str))
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return "、".join(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def field_changes(
    object_type: str, before: dict[str, Any] | None, after: dict[str, Any] | None
) -> list[FieldChange]:
    """Every field that changed (or appears on one side only), with the values it had."""
    before, after = before or {}, after or {}
    names = list(dict.fromkeys([*before, *after]))
    tables = {
        **CODED_FIELDS,
        "sectors": "sector",
        "grounds": "ground",
        "kind": KIND_TABLES.get(object_type),
    }
    return [
        FieldChange(
            field=name,
            label=field_label(name),
            before=shown(before[name], tables.get(name)) if name in before else None,
            after=shown(after[name], tables.get(name)) if name in after else None,
        )
        for name in names
        if before.get(name) != after.get(name) or name not in before or name not in after
    ]

"""An audit record's before and after as a field-by-field list of changes, in words."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from api.admin.console.forms import field_label


@dataclass(frozen=True)
class FieldChange:
    """One field of an audited object: its label and its value before and after."""

    field: str
    label: str
    before: str | None
    after: str | None


def shown(value: Any) -> str:
    """A recorded value as text: strings as written, lists joined, anything else as JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return "、".join(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def field_changes(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[FieldChange]:
    """Every field present before or after, in recorded order, with the values it had."""
    before, after = before or {}, after or {}
    names = list(dict.fromkeys([*before, *after]))
    return [
        FieldChange(
            field=name,
            label=field_label(name),
            before=shown(before[name]) if name in before else None,
            after=shown(after[name]) if name in after else None,
        )
        for name in names
        if before.get(name) != after.get(name) or name not in before or name not in after
    ]

"""What the matcher is given: listed subjects and screening queries, validated on entry."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from registry.errors import InvalidValue
from registry.subjects.identifiers import identifier_key

# The subject kinds of registry.models.SUBJECT_KINDS, repeated so the engine needs no ORM.
KINDS = ("legal_person", "natural_person", "other_org")
# Schemes a subject has exactly one value of: a different value means a different subject.
# A foreign company may hold several "other" registrations, so those never conflict.
SINGLE_VALUED_SCHEMES = frozenset({"cn_uscc", "cn_ric"})

# Longer input is not a name, and would only cost time.
MAX_NAME_LENGTH = 300
MAX_IDENTIFIERS = 20

_REGION_RE = re.compile(r"^\d{6}$")


def _check_identifiers(identifiers: object, field: str) -> tuple[tuple[str, str], ...]:
    if not isinstance(identifiers, tuple | list):
        raise InvalidValue(field, "must be a list of (scheme, value) pairs")
    if len(identifiers) > MAX_IDENTIFIERS:
        raise InvalidValue(
            field,
            "has %(identifiers_count)s entries; at most %(MAX_IDENTIFIERS)s",
            identifiers_count=len(identifiers),
            MAX_IDENTIFIERS=MAX_IDENTIFIERS,
        )
    checked = []
    for position, pair in enumerate(identifiers):
        where = f"{field}[{position}]"
        if not isinstance(pair, tuple | list) or len(pair) != 2:
            raise InvalidValue(where, "must be a (scheme, value) pair")
        scheme, value = pair
        if not isinstance(scheme, str) or not scheme.strip():
            raise InvalidValue(f"{where}.scheme", "must be a non-empty string such as cn_uscc")
        key = identifier_key(scheme, value) if isinstance(value, str) else None
        if key is None or not key[1]:
            raise InvalidValue(f"{where}.value", "must be a non-empty string")
        checked.append(key)
    return tuple(checked)


def _check_name(name: object, field: str, required: bool) -> None:
    if not isinstance(name, str):
        raise InvalidValue(field, "must be a string")
    if required and not name.strip():
        raise InvalidValue(field, "must not be empty")
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidValue(
            field,
            "is %(name_count)s characters long; at most %(MAX_NAME_LENGTH)s",
            name_count=len(name),
            MAX_NAME_LENGTH=MAX_NAME_LENGTH,
        )


def _check_kind(kind: object, field: str) -> None:
    if kind not in KINDS:
        raise InvalidValue(
            field,
            "unknown kind %(kind)r; expected one of %(expected)s",
            kind=kind,
            expected=", ".join(KINDS),
        )


def _check_region(region: object, field: str) -> None:
    if not isinstance(region, str) or not _REGION_RE.match(region):
        raise InvalidValue(field, "must be a six-digit administrative division code, e.g. 440300")


@dataclass(frozen=True)
class ListedName:
    """A listed subject as the matcher sees it: names, identifiers, kind and region."""

    entry_id: str
    kind: str
    name: str
    latin: str | None = None
    aliases: tuple[str, ...] = ()
    identifiers: tuple[tuple[str, str], ...] = ()
    region: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.entry_id, str) or not self.entry_id:
            raise InvalidValue("entry_id", "must be a non-empty string")
        _check_kind(self.kind, "kind")
        _check_name(self.name, "name", required=True)
        if self.latin is not None:
            _check_name(self.latin, "latin", required=False)
        if isinstance(self.aliases, str) or not isinstance(self.aliases, tuple | list):
            raise InvalidValue("aliases", "must be a list of strings")
        for position, alias in enumerate(self.aliases):
            _check_name(alias, f"aliases[{position}]", required=True)
        object.__setattr__(self, "aliases", tuple(self.aliases))
        object.__setattr__(self, "identifiers", _check_identifiers(self.identifiers, "identifiers"))
        if self.region is not None:
            _check_region(self.region, "region")

    @classmethod
    def restore(cls, **fields: Any) -> ListedName:
        """A listed name as the index file keeps it: checked when it was made, not again.

        Every field is given, as the class holds it (tuples), and goes into the instance's
        dictionary at once (see NameForm.restore).
        """
        listed = object.__new__(cls)
        listed.__dict__.update(fields)
        return listed


@dataclass(frozen=True)
class ScreeningQuery:
    """A subject to screen: a name and optionally identifiers, kind and region."""

    name: str = ""
    identifiers: tuple[tuple[str, str], ...] = ()
    kind: str | None = None
    region: str | None = None

    def __post_init__(self) -> None:
        _check_name(self.name, "name", required=False)
        object.__setattr__(self, "identifiers", _check_identifiers(self.identifiers, "identifiers"))
        if not self.name.strip() and not self.identifiers:
            raise InvalidValue("name", "give a name or at least one identifier to screen")
        if self.kind is not None:
            _check_kind(self.kind, "kind")
        if self.region is not None:
            _check_region(self.region, "region")

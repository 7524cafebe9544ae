"""Read and check list-type files: a bad file is refused naming the file and the field."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from registry.errors import InvalidValue

SHIPPED_DIR = Path(__file__).parent
# The rules the engine computes; any other type rests on a determination document.
ENGINE_RULES = ("repeat_infringement", "deliberate_infringement", "refusal_to_perform")
DETERMINATION = "determination"
# The conduct a determination by CNIPA or a provincial office can find (case field `conduct`).
CONDUCTS = ("agency_violation", "certificate_lending", "abnormal_application", "false_documents")
AUTHORITY_LEVELS = ("cnipa", "provincial")
INFRINGEMENT_KINDS = ("administrative_ruling", "court_judgment", "administrative_penalty")
DETERMINATION_KINDS = ("cnipa_determination", "provincial_determination")
CASE_KINDS = INFRINGEMENT_KINDS + DETERMINATION_KINDS
# Which case kinds each rule may rest on (Patent Law arts. 65 and 71 for the deliberate rule).
_ALLOWED_BASIS = {
    "repeat_infringement": set(INFRINGEMENT_KINDS),
    "deliberate_infringement": {"court_judgment"},
    "refusal_to_perform": {"administrative_ruling", "administrative_penalty"},
    DETERMINATION: set(DETERMINATION_KINDS),
}
_TEXT_FIELDS = ("name_zh", "name_en", "citation_zh", "citation_en", "article")
_LISTS = ("determined_by", "basis_kinds", "measures_zh", "measures_en")
_CONDITIONS = ("restoration_zh", "restoration_en")
_KNOWN = {
    "code",
    "rule",
    "conduct",
    "listing_years",
    "restoration_min_years",
    "period_source",
    *_TEXT_FIELDS,
    *_LISTS,
    *_CONDITIONS,
}


@dataclass(frozen=True)
class ListType:
    """One kind of listing: its names, legal basis, rule, periods and measures."""

    code: str
    name_zh: str
    name_en: str
    citation_zh: str
    citation_en: str
    article: str  # the article implemented, or "unverified" with the reason
    rule: str  # one of ENGINE_RULES, or "determination"
    conduct: str | None  # the conduct a determination must find (determination types only)
    determined_by: tuple[str, ...]
    basis_kinds: tuple[str, ...]
    listing_years: int | None  # None: the registry setting REGISTRY_LISTING_YEARS applies
    restoration_min_years: int | None  # None: REGISTRY_RESTORATION_MIN_YEARS applies
    period_source: str
    restoration_zh: str
    restoration_en: str
    measures_zh: tuple[str, ...]
    measures_en: tuple[str, ...]


class ListTypeError(InvalidValue):
    """A list-type file is unusable; the field is named as `file: field`."""


def _fail(source: str, name: str, message: str) -> ListTypeError:
    return ListTypeError(f"{source}: {name}", message)


def _text(raw: Mapping[str, Any], name: str, source: str) -> str:
    value = raw.get(name)
    if not isinstance(value, str) or not value.strip():
        raise _fail(source, name, "must be a non-empty text")
    return value.strip()


def _texts(
    raw: Mapping[str, Any], name: str, source: str, allowed: Sequence[str] = ()
) -> tuple[str, ...]:
    value = raw.get(name)
    if not isinstance(value, list) or not value:
        raise _fail(source, name, "must be a non-empty list of texts")
    items = []
    for i, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            raise _fail(source, f"{name}[{i}]", "must be a non-empty text")
        if allowed and item not in allowed:
            raise _fail(source, f"{name}[{i}]", f"{item!r} is not one of {', '.join(allowed)}")
        items.append(item.strip())
    return tuple(items)


def _years(raw: Mapping[str, Any], name: str, source: str) -> int | None:
    value = raw.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise _fail(source, name, f"must be a whole number of years, 1 or more, got {value!r}")
    return value


def parse_list_type(raw: Mapping[str, Any], source: str) -> ListType:
    """Check one list type read from `source` (a file name, used in error messages)."""
    unknown = sorted(set(raw) - _KNOWN)
    if unknown:
        raise _fail(source, unknown[0], f"unknown field; expected {', '.join(sorted(_KNOWN))}")
    code = _text(raw, "code", source)
    if not code.isascii() or not code.replace("_", "").isalnum() or not code.islower():
        raise _fail(source, "code", f"{code!r} must be lower-case letters, digits and _")
    rule = _text(raw, "rule", source)
    if rule not in (*ENGINE_RULES, DETERMINATION):
        raise _fail(
            source, "rule", f"{rule!r} is not one of {', '.join(ENGINE_RULES)}, determination"
        )
    conduct = raw.get("conduct")
    if rule == DETERMINATION and conduct not in CONDUCTS:
        raise _fail(source, "conduct", f"a determination type names one of {', '.join(CONDUCTS)}")
    if rule != DETERMINATION and conduct is not None:
        raise _fail(source, "conduct", f"only determination types name a conduct, not {rule}")
    basis = _texts(raw, "basis_kinds", source, CASE_KINDS)
    wrong = sorted(set(basis) - _ALLOWED_BASIS[rule])
    if wrong:
        raise _fail(
            source,
            "basis_kinds",
            f"rule {rule} cannot rest on {', '.join(wrong)}; "
            f"allowed: {', '.join(sorted(_ALLOWED_BASIS[rule]))}",
        )
    listing_years = _years(raw, "listing_years", source)
    restoration = _years(raw, "restoration_min_years", source)
    if listing_years and restoration and restoration > listing_years:
        raise _fail(source, "restoration_min_years", "is longer than listing_years")
    measures_zh = _texts(raw, "measures_zh", source)
    measures_en = _texts(raw, "measures_en", source)
    if len(measures_zh) != len(measures_en):
        raise _fail(source, "measures_en", "must give one English text per Chinese measure")
    return ListType(
        code=code,
        rule=rule,
        conduct=conduct,
        determined_by=_texts(raw, "determined_by", source, AUTHORITY_LEVELS),
        basis_kinds=basis,
        listing_years=listing_years,
        restoration_min_years=restoration,
        period_source=_text(raw, "period_source", source),
        measures_zh=measures_zh,
        measures_en=measures_en,
        **{name: _text(raw, name, source) for name in (*_TEXT_FIELDS, *_CONDITIONS)},
    )


def load_list_types(folder: Path) -> tuple[ListType, ...]:
    """Every `*.toml` list type in `folder`, ordered by code; any fault names file and field."""
    if not folder.is_dir():
        raise ListTypeError("list_types", f"{folder} is not a folder")
    found: dict[str, ListType] = {}
    for path in sorted(folder.glob("*.toml")):
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
            raise ListTypeError(path.name, f"is not UTF-8 TOML: {error}") from error
        list_type = parse_list_type(raw, path.name)
        if list_type.code != path.stem:
            raise _fail(path.name, "code", f"{list_type.code!r} must match the file name")
        found[list_type.code] = list_type
    if not found:
        raise ListTypeError("list_types", f"{folder} holds no *.toml list type")
    conducts = [t.conduct for t in found.values() if t.conduct]
    twice = sorted({c for c in conducts if conducts.count(c) > 1})
    if twice:
        raise ListTypeError("list_types", f"conduct {', '.join(twice)} has two list types")
    return tuple(found[code] for code in sorted(found))


@cache
def list_types_in(folder: str | None = None) -> tuple[ListType, ...]:
    """The list types of `folder` (default: the shipped ones), read once per process."""
    return load_list_types(Path(folder) if folder else SHIPPED_DIR)

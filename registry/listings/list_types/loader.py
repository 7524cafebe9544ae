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


def _text(raw: Mapping[str, Any], name: str, source: str) -> str:
    value = raw.get(name)
    if not isinstance(value, str) or not value.strip():
        raise ListTypeError(f"{source}: {name}", "must be a non-empty text")
    return value.strip()


def _texts(
    raw: Mapping[str, Any], name: str, source: str, allowed: Sequence[str] = ()
) -> tuple[str, ...]:
    value = raw.get(name)
    if not isinstance(value, list) or not value:
        raise ListTypeError(f"{source}: {name}", "must be a non-empty list of texts")
    items = []
    for i, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            raise ListTypeError(f"{source}: {name}[{i}]", "must be a non-empty text")
        if allowed and item not in allowed:
            raise ListTypeError(
                f"{source}: {name}[{i}]",
                "%(item)r is not one of %(allowed)s",
                item=item,
                allowed=", ".join(allowed),
            )
        items.append(item.strip())
    return tuple(items)


def _years(raw: Mapping[str, Any], name: str, source: str) -> int | None:
    value = raw.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ListTypeError(
            f"{source}: {name}",
            "must be a whole number of years, 1 or more, got %(value)r",
            value=value,
        )
    return value


def parse_list_type(raw: Mapping[str, Any], source: str) -> ListType:
    """Check one list type read from `source` (a file name, used in error messages)."""
    unknown = sorted(set(raw) - _KNOWN)
    if unknown:
        raise ListTypeError(
            f"{source}: {unknown[0]}",
            "unknown field; expected %(expected)s",
            expected=", ".join(sorted(_KNOWN)),
        )
    code = _text(raw, "code", source)
    if not code.isascii() or not code.replace("_", "").isalnum() or not code.islower():
        raise ListTypeError(
            f"{source}: code",
            "%(code)r must be lower-case letters, digits and _",
            code=code,
        )
    rule = _text(raw, "rule", source)
    if rule not in (*ENGINE_RULES, DETERMINATION):
        raise ListTypeError(
            f"{source}: rule",
            "%(rule)r is not one of %(expected)s, determination",
            rule=rule,
            expected=", ".join(ENGINE_RULES),
        )
    conduct = raw.get("conduct")
    if rule == DETERMINATION and conduct not in CONDUCTS:
        raise ListTypeError(
            f"{source}: conduct",
            "a determination type names one of %(expected)s",
            expected=", ".join(CONDUCTS),
        )
    if rule != DETERMINATION and conduct is not None:
        raise ListTypeError(
            f"{source}: conduct",
            "only determination types name a conduct, not %(rule)s",
            rule=rule,
        )
    basis = _texts(raw, "basis_kinds", source, CASE_KINDS)
    wrong = sorted(set(basis) - _ALLOWED_BASIS[rule])
    if wrong:
        raise ListTypeError(
            f"{source}: basis_kinds",
            "rule %(rule)s cannot rest on %(wrong)s; allowed: %(items)s",
            rule=rule,
            wrong=", ".join(wrong),
            items=", ".join(sorted(_ALLOWED_BASIS[rule])),
        )
    listing_years = _years(raw, "listing_years", source)
    restoration = _years(raw, "restoration_min_years", source)
    if listing_years and restoration and restoration > listing_years:
        raise ListTypeError(f"{source}: restoration_min_years", "is longer than listing_years")
    measures_zh = _texts(raw, "measures_zh", source)
    measures_en = _texts(raw, "measures_en", source)
    if len(measures_zh) != len(measures_en):
        raise ListTypeError(
            f"{source}: measures_en", "must give one English text per Chinese measure"
        )
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
        raise ListTypeError(
            "list_types",
            "%(folder)s is not a folder",
            folder=folder,
        )
    found: dict[str, ListType] = {}
    for path in sorted(folder.glob("*.toml")):
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
            raise ListTypeError(
                path.name,
                "is not UTF-8 TOML: %(error)s",
                error=error,
            ) from error
        list_type = parse_list_type(raw, path.name)
        if list_type.code != path.stem:
            raise ListTypeError(
                f"{path.name}: code",
                "%(list_type_code)r must match the file name",
                list_type_code=list_type.code,
            )
        found[list_type.code] = list_type
    if not found:
        raise ListTypeError(
            "list_types",
            "%(folder)s holds no *.toml list type",
            folder=folder,
        )
    conducts = [t.conduct for t in found.values() if t.conduct]
    twice = sorted({c for c in conducts if conducts.count(c) > 1})
    if twice:
        raise ListTypeError(
            "list_types",
            "conduct %(twice)s has two list types",
            twice=", ".join(twice),
        )
    return tuple(found[code] for code in sorted(found))


@cache
def list_types_in(folder: str | None = None) -> tuple[ListType, ...]:
    """The list types of `folder` (default: the shipped ones), read once per process."""
    return load_list_types(Path(folder) if folder else SHIPPED_DIR)

"""Subject identifiers and patent numbers: validation, normalisation and masking.

Credit codes are checked in registry/subjects/credit_codes.py, personal identifiers in
registry/subjects/personal_ids.py, patent numbers in registry/subjects/patent_numbers.py.

Masking rule: every scheme that identifies a natural person (`PERSONAL_SCHEMES`) is masked in
every public output, and so is an `other` value on a natural person.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from registry.errors import InvalidValue
from registry.subjects.credit_codes import validate_uscc
from registry.subjects.patent_numbers import (  # re-exported: callers validate here
    patent_check_digit as patent_check_digit,
)
from registry.subjects.patent_numbers import (
    validate_patent_number as validate_patent_number,
)
from registry.subjects.personal_ids import (
    PERSONAL_SCHEMES,
    mask_personal,
    validate_country,
    validate_foreign_pr,
    validate_hkmo_permit,
    validate_passport,
    validate_residence_permit,
    validate_ric,
    validate_tw_permit,
)

SCHEMES = (
    "cn_uscc",
    "cn_ric",
    "hkmotw_residence",
    "hkmo_permit",
    "tw_permit",
    "foreign_pr",
    "passport",
    "other",
)
MAX_OTHER_SCHEME = 40
MAX_OTHER_VALUE = 100


@dataclass(frozen=True)
class Identifier:
    """A validated `{scheme, value}` pair; `value` is in canonical form."""

    scheme: str
    value: str
    # The foreign scheme's name for scheme "other"; the issuing country for "passport".
    name: str | None = None

    def public_value(self, natural_person: bool) -> str:
        """The value as it may appear in public output (masked when it identifies a person)."""
        return public_identifier_value(self.scheme, self.value, natural_person)

    def as_public_dict(self, natural_person: bool) -> dict[str, str]:
        """The identifier as published: `{"scheme", "value"}`, plus `name` or `country`."""
        published = {"scheme": self.scheme, "value": self.public_value(natural_person)}
        if self.name:
            published["country" if self.scheme == "passport" else "name"] = self.name
        return published


def is_masked_scheme(scheme: str | None, natural_person: bool) -> bool:
    """True when values of `scheme` must be masked in public output (personal data)."""
    return scheme in PERSONAL_SCHEMES or (scheme == "other" and natural_person)


def public_identifier_value(scheme: str | None, value: str, natural_person: bool) -> str:
    """`value` as it may appear publicly: masked for personal schemes and persons' `other`."""
    return mask_personal(value) if is_masked_scheme(scheme, natural_person) else value


def public_identifiers(
    items: Iterable[Mapping[str, Any]], natural_person: bool
) -> list[dict[str, Any]]:
    """Identifier objects (entry content, requests) with every personal value masked.

    Entries published before masking covered every personal scheme may hold such a value in
    full; everything that shows identifiers passes them through here. Masking is idempotent.
    """
    return [
        dict(item)
        | {
            "value": public_identifier_value(
                item.get("scheme"), str(item.get("value") or ""), natural_person
            )
        }
        for item in items
        if isinstance(item, Mapping)
    ]


def _has_control(text: str) -> bool:
    return any(unicodedata.category(ch) in {"Cc", "Cf"} for ch in text)


_PERSONAL_VALIDATORS: dict[str, Callable[[str, str], str]] = {
    "cn_ric": validate_ric,
    "hkmotw_residence": validate_residence_permit,
    "hkmo_permit": validate_hkmo_permit,
    "tw_permit": validate_tw_permit,
    "foreign_pr": validate_foreign_pr,
}


def validate_identifier(
    scheme: str,
    value: str,
    name: str | None = None,
    field: str = "identifiers",
    country: str | None = None,
) -> Identifier:
    """Validate one identifier and return it in canonical form.

    `name` names the scheme of an `other` identifier; a passport's issuing country comes as
    `country` (or, from callers that only know `name`, as `name`).
    """
    if not isinstance(scheme, str) or not isinstance(value, str):
        raise InvalidValue(field, "scheme and value must both be strings")
    value = unicodedata.normalize("NFKC", value).strip()
    if _has_control(value):
        raise InvalidValue(f"{field}.value", "contains control characters")
    if scheme == "cn_uscc":
        return Identifier(scheme, validate_uscc(value, f"{field}.value"))
    if scheme in _PERSONAL_VALIDATORS:
        return Identifier(scheme, _PERSONAL_VALIDATORS[scheme](value, f"{field}.value"))
    if scheme == "passport":
        issuer = validate_country(country or name, f"{field}.country")
        return Identifier(scheme, validate_passport(value, issuer, f"{field}.value"), issuer)
    if scheme != "other":
        raise InvalidValue(
            f"{field}.scheme",
            "unknown scheme %(scheme)r; expected one of %(expected)s",
            scheme=scheme,
            expected=", ".join(SCHEMES),
        )
    label = unicodedata.normalize("NFKC", name or "").strip()
    if not label:
        raise InvalidValue(f"{field}.name", "name the foreign scheme (e.g. 'DE Handelsregister')")
    if len(label) > MAX_OTHER_SCHEME:
        raise InvalidValue(
            f"{field}.name",
            "is longer than %(MAX_OTHER_SCHEME)s characters",
            MAX_OTHER_SCHEME=MAX_OTHER_SCHEME,
        )
    if not value:
        raise InvalidValue(f"{field}.value", "must not be empty")
    if len(value) > MAX_OTHER_VALUE:
        raise InvalidValue(
            f"{field}.value",
            "is longer than %(MAX_OTHER_VALUE)s characters",
            MAX_OTHER_VALUE=MAX_OTHER_VALUE,
        )
    if _has_control(value) or _has_control(label):
        raise InvalidValue(f"{field}.value", "contains control characters")
    return Identifier(scheme, value, label)


def mask_ric(value: str) -> str:
    """Mask an ID number for public output: first 4 and last 4 characters kept."""
    return mask_personal(value)


_IDENTIFIER_NOISE = re.compile(r"[\s\-./]")


def identifier_key(scheme: str, value: str) -> tuple[str, str]:
    """The form in which identifiers are compared: scheme lowercased, value compacted."""
    compact = _IDENTIFIER_NOISE.sub("", unicodedata.normalize("NFKC", value)).upper()
    return scheme.strip().casefold(), compact

"""Subject identifiers and patent numbers: validation, normalisation and masking.

Credit codes are checked with python-stdnum, personal identifiers in
registry/subjects/personal_ids.py; Chinese patent numbers with the CNIPA check-digit rule
(weights 2..9 repeating, modulo 11, 10 -> X).

Masking rule: every scheme that identifies a natural person (`PERSONAL_SCHEMES`) is masked in
every public output, and so is an `other` value on a natural person.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from stdnum import exceptions as stdnum_errors
from stdnum.cn import uscc

from registry.errors import InvalidValue
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
MAX_FOREIGN_PATENT = 64

_PATENT_WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
_PATENT_RE = re.compile(r"^(?:ZL|CN)?\s*(\d{8}|\d{12})\s*[.·]?\s*([0-9X])$")
_PATENT_TYPES = {"1", "2", "3", "8", "9"}


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


def _stdnum_reason(error: stdnum_errors.ValidationError) -> str:
    if isinstance(error, stdnum_errors.InvalidLength):
        return "has the wrong length"
    if isinstance(error, stdnum_errors.InvalidFormat):
        return "contains characters that are not allowed"
    if isinstance(error, stdnum_errors.InvalidChecksum):
        return "check character does not match"
    if isinstance(error, stdnum_errors.InvalidComponent):
        return "contains an invalid component (region or birth date)"
    return "is not valid"


def validate_uscc(value: str, field: str = "value") -> str:
    """Return the canonical unified social credit code or raise InvalidValue."""
    try:
        return str(uscc.validate(value))
    except stdnum_errors.ValidationError as error:
        raise InvalidValue(
            field,
            f"unified social credit code {_stdnum_reason(error)} "
            "(expected 18 characters with a valid GB 32100 check character)",
        ) from error


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
            f"{field}.scheme", f"unknown scheme {scheme!r}; expected one of {', '.join(SCHEMES)}"
        )
    label = unicodedata.normalize("NFKC", name or "").strip()
    if not label:
        raise InvalidValue(f"{field}.name", "name the foreign scheme (e.g. 'DE Handelsregister')")
    if len(label) > MAX_OTHER_SCHEME:
        raise InvalidValue(f"{field}.name", f"is longer than {MAX_OTHER_SCHEME} characters")
    if not value:
        raise InvalidValue(f"{field}.value", "must not be empty")
    if len(value) > MAX_OTHER_VALUE:
        raise InvalidValue(f"{field}.value", f"is longer than {MAX_OTHER_VALUE} characters")
    if _has_control(value) or _has_control(label):
        raise InvalidValue(f"{field}.value", "contains control characters")
    return Identifier(scheme, value, label)


def mask_ric(value: str) -> str:
    """Mask an ID number for public output: first 4 and last 4 characters kept."""
    return mask_personal(value)


def patent_check_digit(digits: str) -> str:
    """The CNIPA check character for an 8- or 12-digit application number."""
    if not digits.isdigit() or len(digits) not in (8, 12):
        raise ValueError("patent application number must have 8 or 12 digits")
    total = sum(int(d) * w for d, w in zip(digits, _PATENT_WEIGHTS, strict=False))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def validate_patent_number(value: str, field: str = "patents") -> str:
    """Validate a patent number; Chinese numbers are normalised to `ZL<digits>.<check>`.

    A number starting with ZL or CN is Chinese and must carry a correct check digit;
    anything else is kept as a foreign number in free text.
    """
    if not isinstance(value, str):
        raise InvalidValue(field, "patent number must be a string")
    text = unicodedata.normalize("NFKC", value).strip().upper()
    if not text:
        raise InvalidValue(field, "patent number must not be empty")
    if _has_control(text):
        raise InvalidValue(field, "patent number contains control characters")
    if not (text.startswith(("ZL", "CN")) or re.fullmatch(r"\d{8,12}\.?[0-9X]", text)):
        if len(text) > MAX_FOREIGN_PATENT:
            raise InvalidValue(field, f"is longer than {MAX_FOREIGN_PATENT} characters")
        return text
    match = _PATENT_RE.match(text)
    if not match:
        raise InvalidValue(
            field,
            f"{value!r} is not a Chinese patent number "
            "(expected ZL + 12 digits + '.' + check digit, e.g. ZL201710601862.3)",
        )
    digits, check = match.groups()
    type_digit = digits[4] if len(digits) == 12 else digits[2]
    if type_digit not in _PATENT_TYPES:
        raise InvalidValue(
            field, f"{value!r} has patent type digit {type_digit}; expected 1, 2, 3, 8 or 9"
        )
    expected = patent_check_digit(digits)
    if check != expected:
        raise InvalidValue(
            field, f"{value!r} has check digit {check} but the number requires {expected}"
        )
    return f"ZL{digits}.{check}"


_IDENTIFIER_NOISE = re.compile(r"[\s\-./]")


def identifier_key(scheme: str, value: str) -> tuple[str, str]:
    """The form in which identifiers are compared: scheme lowercased, value compacted."""
    compact = _IDENTIFIER_NOISE.sub("", unicodedata.normalize("NFKC", value)).upper()
    return scheme.strip().casefold(), compact

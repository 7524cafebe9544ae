"""Subject identifiers and patent numbers: validation, normalisation and masking.

Credit codes and resident ID numbers are checked with python-stdnum; Chinese patent
numbers with the CNIPA check-digit rule (weights 2..9 repeating, modulo 11, 10 -> X).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric, uscc

from registry.errors import InvalidValue

SCHEMES = ("cn_uscc", "cn_ric", "other")
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
    name: str | None = None  # the foreign scheme's name, only for scheme "other"

    def public_value(self) -> str:
        """The value as it may appear in public output (ID numbers masked)."""
        return mask_ric(self.value) if self.scheme == "cn_ric" else self.value

    def as_public_dict(self) -> dict[str, str]:
        """The identifier as published: `{"scheme", "value"}` (plus `name` for foreign ones)."""
        published = {"scheme": self.scheme, "value": self.public_value()}
        if self.name:
            published["name"] = self.name
        return published


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


def validate_ric(value: str, field: str = "value") -> str:
    """Return the canonical resident identity card number or raise InvalidValue."""
    try:
        return str(ric.validate(value))
    except stdnum_errors.ValidationError as error:
        raise InvalidValue(
            field,
            f"resident identity card number {_stdnum_reason(error)} "
            "(expected 18 characters with a valid ISO 7064 MOD 11-2 check character)",
        ) from error


def validate_identifier(
    scheme: str, value: str, name: str | None = None, field: str = "identifiers"
) -> Identifier:
    """Validate one identifier and return it in canonical form."""
    if not isinstance(scheme, str) or not isinstance(value, str):
        raise InvalidValue(field, "scheme and value must both be strings")
    value = unicodedata.normalize("NFKC", value).strip()
    if scheme == "cn_uscc":
        return Identifier(scheme, validate_uscc(value, f"{field}.value"))
    if scheme == "cn_ric":
        return Identifier(scheme, validate_ric(value, f"{field}.value"))
    if scheme != "other":
        raise InvalidValue(
            f"{field}.scheme", f"unknown scheme {scheme!r}; expected cn_uscc, cn_ric or other"
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
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


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

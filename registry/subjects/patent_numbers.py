"""Patent numbers: Chinese application and publication numbers, normalised; foreign ones as text.

Application numbers (申请号/专利号) have 8 digits (before 2003: year 2, type 1, serial 5) or 12
digits (since 2003: year 4, type 1, serial 7) and a check character: weights 2..9 repeating,
sum modulo 11, 10 -> X. Typed with or without `ZL`/`CN`, spaces, a dot or a middle dot before
the check character, they are all normalised to `ZL<digits>.<check>`.

Publication numbers (公开号/公告号) are `CN`, 6 to 9 digits and a kind code (GB/T 16834 kind codes
in use at CNIPA: A, B, C, U, Y, S, optionally followed by one digit); they are normalised to
`CN<digits><kind>` with no spaces.

Anything that does not start with ZL or CN and is not a bare Chinese application number is a
foreign number and is kept as typed (trimmed, upper-cased).
"""

from __future__ import annotations

import re
import unicodedata

from registry.errors import InvalidValue

MAX_FOREIGN_PATENT = 64
PATENT_TYPES = {
    "1": "invention",
    "2": "utility model",
    "3": "design",
    "8": "PCT invention",
    "9": "PCT utility model",
}
_WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
_SEPARATORS = re.compile(r"[\s.·・]")
_APPLICATION = re.compile(r"(?:ZL|CN)?(\d{8}|\d{12})([0-9X])")
_PUBLICATION = re.compile(r"CN(\d{6,9})([ABCUYS]\d?)")
_BARE_APPLICATION = re.compile(r"\d{8}[0-9X]|\d{12}[0-9X]")
_EXAMPLES = "e.g. ZL201710601862.3, ZL 2017 1060 1862.3, CN 1234567 A"


def patent_check_digit(digits: str) -> str:
    """The CNIPA check character for an 8- or 12-digit application number."""
    if not digits.isdigit() or len(digits) not in (8, 12):
        raise ValueError("patent application number must have 8 or 12 digits")
    total = sum(int(d) * w for d, w in zip(digits, _WEIGHTS, strict=False))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def _has_control(text: str) -> bool:
    return any(unicodedata.category(ch) in {"Cc", "Cf"} for ch in text)


def validate_patent_number(value: str, field: str = "patents") -> str:
    """A patent number in its one canonical form, or InvalidValue saying what is wrong."""
    if not isinstance(value, str):
        raise InvalidValue(field, "patent number must be a string")
    text = unicodedata.normalize("NFKC", value).strip().upper()
    if not text:
        raise InvalidValue(field, "patent number must not be empty")
    if _has_control(text):
        raise InvalidValue(field, "patent number contains control characters")
    compact = _SEPARATORS.sub("", text)
    if not (compact.startswith(("ZL", "CN")) or _BARE_APPLICATION.fullmatch(compact)):
        if len(text) > MAX_FOREIGN_PATENT:
            raise InvalidValue(
                field,
                "is longer than %(MAX_FOREIGN_PATENT)s characters",
                MAX_FOREIGN_PATENT=MAX_FOREIGN_PATENT,
            )
        return text
    publication = _PUBLICATION.fullmatch(compact)
    if publication:
        return f"CN{publication[1]}{publication[2]}"
    application = _APPLICATION.fullmatch(compact)
    if not application:
        raise InvalidValue(
            field,
            "%(value)r is neither a Chinese application number (8 or 12 digits and a check "
            "character) nor a publication number (CN, digits, kind code); %(_EXAMPLES)s",
            value=value,
            _EXAMPLES=_EXAMPLES,
        )
    digits, check = application.groups()
    type_digit = digits[4] if len(digits) == 12 else digits[2]
    if type_digit not in PATENT_TYPES:
        raise InvalidValue(
            field,
            "%(value)r has patent type digit %(type_digit)s; expected 1, 2, 3, 8 or 9",
            value=value,
            type_digit=type_digit,
        )
    expected = patent_check_digit(digits)
    if check != expected:
        raise InvalidValue(
            field,
            "%(value)r has check digit %(check)s but the number requires %(expected)s",
            value=value,
            check=check,
            expected=expected,
        )
    return f"ZL{digits}.{check}"

"""Identifiers of natural persons: mainland, Hong Kong/Macau/Taiwan, foreign; and their masking.

Every scheme here identifies a natural person, so its value is personal data: stored in full,
compared in full, and shown publicly only masked (`mask_personal`).

- `cn_ric`: resident identity card (GB 11643), checked with python-stdnum plus a birth date
  that is not in the future and not before 1900.
- `hkmotw_residence`: residence permit for Hong Kong, Macau and Taiwan residents (港澳台居民居住证,
  State Council Office 国办发〔2018〕81号): 18 characters like an ID card, address code 810000
  (Hong Kong), 820000 (Macau) or 830000 (Taiwan), ISO 7064 MOD 11-2 check character.
- `hkmo_permit`: mainland travel permit for Hong Kong and Macau residents (港澳居民来往内地通行证):
  H (Hong Kong) or M (Macau) and 8 digits (card) or 10 digits (older booklets and the card
  number with its two-digit issue count).
- `tw_permit`: mainland travel permit for Taiwan residents (台湾居民来往大陆通行证): 8 digits
  (card) or 10 digits (older booklets and the card number with its issue count).
- `foreign_pr`: foreigner's permanent residence ID (外国人永久居留身份证): the 2023 form, 18
  characters starting with 9 (province of acceptance, numeric nationality code, birth date,
  sequence, ISO 7064 MOD 11-2 check character), and the 2004 form, 15 characters: a three-letter
  nationality code and 12 digits (its inner structure and check character are not in a public
  text, so only the shape is checked).
- `passport`: a passport number with its issuing country (ISO 3166-1 alpha-2); Chinese
  passports (country CN) must have the shape of one (E/G and 8 characters).
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

from babel import Locale
from stdnum import exceptions as stdnum_errors
from stdnum import numdb
from stdnum.cn import ric
from stdnum.iso7064 import mod_11_2

from registry import clock
from registry.errors import InvalidValue, translatable

PERSONAL_SCHEMES = frozenset(
    {"cn_ric", "hkmotw_residence", "hkmo_permit", "tw_permit", "foreign_pr", "passport"}
)
EARLIEST_BIRTH_DATE = dt.date(1900, 1, 1)
BEIJING = dt.timezone(dt.timedelta(hours=8))

_RESIDENCE_REGIONS = {"810000": "Hong Kong", "820000": "Macau", "830000": "Taiwan"}
_HKMO_PERMIT = re.compile(r"[HM]\d{8}(?:\d{2})?")
_TW_PERMIT = re.compile(r"\d{8}(?:\d{2})?")
_FOREIGN_PR_2023 = re.compile(r"9\d{16}[\dX]")
_FOREIGN_PR_2004 = re.compile(r"[A-Z]{3}\d{12}")
_PASSPORT = re.compile(r"[A-Z0-9]{5,20}")
_CN_PASSPORT = re.compile(r"(?:E[A-Z0-9]\d{7}|G\d{8}|[DSP]E?\d{7})")
# Territory codes CLDR lists that are not countries or are reserved for private use.
_NOT_COUNTRIES = frozenset({"EU", "EZ", "QO", "UN", "ZZ", "XA", "XB"})


def beijing_today() -> dt.date:
    """Today's date in Beijing (legal dates are Beijing calendar dates)."""
    return clock.utcnow().astimezone(BEIJING).date()


def mask_personal(value: str) -> str:
    """The public form of a personal identifier.

    Eighteen-character numbers keep their first 4 and last 4 characters (DESIGN section 3,
    `3501**********123X`); shorter ones keep a fifth of their characters at each end, so that
    at least three fifths of the number are always hidden.
    """
    keep = 4 if len(value) >= 15 else len(value) // 5
    if keep == 0:
        return "*" * len(value)
    return value[:keep] + "*" * (len(value) - 2 * keep) + value[-keep:]


def _check_birth_date(born: dt.date, label: str, field: str) -> None:
    if born < EARLIEST_BIRTH_DATE:
        raise InvalidValue(
            field,
            "%(label)s has a birth date before 1900",
            label=label,
        )
    if born > beijing_today():
        raise InvalidValue(
            field,
            "%(label)s has a birth date in the future",
            label=label,
        )


def _birth_date(digits: str, label: str, field: str) -> dt.date:
    try:
        born = dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        raise InvalidValue(
            field,
            "%(label)s has no valid birth date in characters 7-14",
            label=label,
        ) from None
    _check_birth_date(born, label, field)
    return born


def _check_mod_11_2(number: str, label: str, field: str) -> None:
    expected = mod_11_2.calc_check_digit(number[:-1])
    if number[-1] != expected:
        raise InvalidValue(
            field,
            "%(label)s check character should be %(expected)s",
            label=label,
            expected=expected,
        )


def validate_ric(value: str, field: str) -> str:
    """The canonical resident identity card number, or InvalidValue naming what is wrong."""
    label = translatable("resident identity card number")
    number = ric.compact(value)
    if len(number) != 18:
        raise InvalidValue(
            field,
            "%(label)s must have 18 characters, not %(number_count)s",
            label=label,
            number_count=len(number),
        )
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise InvalidValue(
            field,
            "%(label)s must be 17 digits and a digit or X",
            label=label,
        )
    _check_mod_11_2(number, label, field)
    _birth_date(number[6:14], label, field)
    try:
        ric.validate(number)
    except stdnum_errors.ValidationError:
        raise InvalidValue(
            field,
            "%(label)s has an address code that was not in use in its birth year",
            label=label,
        ) from None
    return number


def validate_residence_permit(value: str, field: str) -> str:
    """A residence permit for Hong Kong, Macau and Taiwan residents (港澳台居民居住证)."""
    label = translatable("residence permit number")
    number = ric.compact(value)
    if len(number) != 18 or not re.fullmatch(r"\d{17}[\dX]", number):
        raise InvalidValue(
            field,
            "%(label)s must be 17 digits and a digit or X (18 characters)",
            label=label,
        )
    if number[:6] not in _RESIDENCE_REGIONS:
        raise InvalidValue(
            field,
            "%(label)s must start with 810000 (Hong Kong), 820000 (Macau) or 830000 "
            "(Taiwan), not %(number)s",
            label=label,
            number=number[:6],
        )
    _check_mod_11_2(number, label, field)
    _birth_date(number[6:14], label, field)
    return number


def validate_hkmo_permit(value: str, field: str) -> str:
    """A mainland travel permit for Hong Kong and Macau residents (港澳居民来往内地通行证)."""
    number = _compact(value)
    if not _HKMO_PERMIT.fullmatch(number):
        raise InvalidValue(
            field,
            "Hong Kong/Macau travel permit number must be H or M and 8 digits "
            "(or 10 digits for older permits), e.g. H12345678",
        )
    return number


def validate_tw_permit(value: str, field: str) -> str:
    """A mainland travel permit for Taiwan residents (台湾居民来往大陆通行证)."""
    number = _compact(value)
    if not _TW_PERMIT.fullmatch(number):
        raise InvalidValue(
            field,
            "Taiwan travel permit number must be 8 digits (or 10 digits for older permits)",
        )
    return number


@lru_cache(maxsize=1)
def _provinces() -> frozenset[str]:
    known = numdb.get("cn/loc")
    return frozenset(
        code
        for code in (f"{n:02d}" for n in range(10, 100))
        if any("province" in props for _part, props in known.info(code + "0000"))
    )


def validate_foreign_pr(value: str, field: str) -> str:
    """A foreigner's permanent residence ID (外国人永久居留身份证), 2023 or 2004 form."""
    label = translatable("permanent residence ID number")
    number = _compact(value)
    if _FOREIGN_PR_2004.fullmatch(number):
        return number
    if not _FOREIGN_PR_2023.fullmatch(number):
        raise InvalidValue(
            field,
            "%(label)s must be 18 characters starting with 9 (2023 form) or three letters "
            "and 12 digits (2004 form)",
            label=label,
        )
    if number[1:3] not in _provinces():
        raise InvalidValue(
            field,
            "%(label)s has province code %(number)s, which is unknown",
            label=label,
            number=number[1:3],
        )
    _check_mod_11_2(number, label, field)
    _birth_date(number[6:14], label, field)
    return number


@lru_cache(maxsize=1)
def _countries() -> frozenset[str]:
    codes = {str(code) for code in Locale.parse("en").territories}
    return frozenset(code for code in codes if len(code) == 2 and code.isalpha()) - _NOT_COUNTRIES


def validate_country(value: str | None, field: str) -> str:
    """An ISO 3166-1 alpha-2 country code, upper-cased."""
    code = (value or "").strip().upper()
    if not code:
        raise InvalidValue(field, "name the issuing country (ISO 3166-1 alpha-2, e.g. GB)")
    if code not in _countries():
        raise InvalidValue(
            field,
            "%(code)r is not an ISO 3166-1 alpha-2 country code",
            code=code,
        )
    return code


def validate_passport(value: str, country: str, field: str) -> str:
    """A passport number of the given issuing country."""
    number = _compact(value)
    if not _PASSPORT.fullmatch(number):
        raise InvalidValue(field, "passport number must be 5 to 20 letters and digits")
    if country == "CN" and not _CN_PASSPORT.fullmatch(number):
        raise InvalidValue(
            field, "Chinese passport number must be E or G and 8 characters, e.g. E12345678"
        )
    return number


def _compact(value: str) -> str:
    return re.sub(r"[\s\-()]", "", value).upper()

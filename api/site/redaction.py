"""Keep full resident ID numbers out of every page, address and link the site produces.

Visitors may type a full ID number; it is compared only in masked form (DESIGN section 3),
so the site masks it before anything echoes it back.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from stdnum.cn import ric, uscc

from registry.subjects.identifiers import mask_ric

_FULL_ID_NUMBER = re.compile(r"\d{17}[\dX]")
# An ID number inside longer text ("ID35010219800101123X" too): not part of a longer number.
_EARLIEST_BIRTH_YEAR = 1900
_EMBEDDED_ID_NUMBER = re.compile(r"(?<![0-9])\d{17}[\dXx](?![0-9])")


def compact(text: str) -> str:
    """Normalise a typed code: full-width forms folded, spaces dropped, letters upper-cased."""
    return "".join(unicodedata.normalize("NFKC", text).split()).upper()


def is_full_id_number(text: str) -> bool:
    """True when `text` looks like a complete resident ID number, which must never be echoed.

    A string that is a valid credit code and not a valid ID number is a credit code, and so is
    one whose digits 7 to 14 are no birth date (a credit code with a wrong check character,
    913501002601234560); anything else with the shape of an ID number is treated as one, typos
    included, to stay safe.
    """
    key = compact(text)
    if not _FULL_ID_NUMBER.fullmatch(key):
        return False
    if ric.is_valid(key):
        return True
    return not uscc.is_valid(key) and _has_birth_date(key)


def _has_birth_date(key: str) -> bool:
    try:
        born = dt.date(int(key[6:10]), int(key[10:12]), int(key[12:14]))
    except ValueError:
        return False
    return born.year >= _EARLIEST_BIRTH_YEAR


def masked_id_number(text: str) -> str:
    """The public, masked form of a typed ID number."""
    return mask_ric(compact(text))


def redact_id_numbers(text: str) -> str:
    """`text` with every full ID number in it masked; unchanged when it holds none."""
    if is_full_id_number(text):
        return masked_id_number(text)
    normal = unicodedata.normalize("NFKC", text)
    redacted = _EMBEDDED_ID_NUMBER.sub(
        lambda found: masked_id_number(found[0]) if is_full_id_number(found[0]) else found[0],
        normal,
    )
    return text if redacted == normal else redacted

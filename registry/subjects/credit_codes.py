"""The unified social credit code (统一社会信用代码), GB 32100-2015, checked part by part.

18 characters: registration authority (1), category (1), administrative division of the
registration authority (6), the subject's identification code (9: an organisation code per
GB 11714-1997, with its own check character), and the overall check character.

python-stdnum's `cn.uscc` checks only the length and the overall check character, and refuses
the codes whose registration authority is a letter (N, Y, A); this module checks every part.
"""

from __future__ import annotations

from functools import lru_cache

from stdnum import numdb
from stdnum.cn import uscc

from registry.errors import InvalidValue, translatable

# GB 32100-2015 Appendix A, table A.1 (registration authority -> category codes), with the
# codes added since: A (military organisations, 中央军委改革和编制办公室) and N (rural collective
# economic organisations, 农业农村部门). Y ("other") has the single category 1.
REGISTRATION_AUTHORITIES: dict[str, tuple[str, frozenset[str]]] = {
    "1": ("机构编制", frozenset("1239")),
    "2": ("外交", frozenset("19")),
    "3": ("司法行政", frozenset("123459")),
    "4": ("文化", frozenset("19")),
    "5": ("民政", frozenset("1239")),
    "6": ("旅游", frozenset("129")),
    "7": ("宗教", frozenset("129")),
    "8": ("工会", frozenset("19")),
    "9": ("市场监督管理（工商）", frozenset("123")),
    "A": ("中央军委改革和编制办公室", frozenset("19")),
    "N": ("农业农村", frozenset("1239")),
    "Y": ("其他", frozenset("1")),
}
# A registration at national level carries division code 100000, which is not in GB/T 2260.
NATIONAL_LEVEL = "100000"
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100: no I, O, S, V, Z
_LABEL = translatable("unified social credit code")


def organisation_check_character(body: str) -> str:
    """The GB 11714-1997 check character of an 8-character organisation code body."""
    total = sum(int(ch, 36) * weight for ch, weight in zip(body, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


@lru_cache(maxsize=4096)
def _known_division(code: str) -> bool:
    if code == NATIONAL_LEVEL:
        return True
    found = numdb.get("cn/loc").info(code)
    return any("county" in props for _part, props in found)


def validate_uscc(value: str, field: str) -> str:
    """The canonical credit code, or InvalidValue naming the part that is wrong."""
    code = uscc.compact(value)
    if len(code) != 18:
        raise InvalidValue(
            field,
            "%(label)s must have 18 characters, not %(code_count)s",
            label=_LABEL,
            code_count=len(code),
        )
    wrong = sorted({ch for ch in code if ch not in _ALPHABET})
    if wrong:
        raise InvalidValue(
            field,
            "%(label)s contains %(wrong)s; allowed are digits and A-Y except I, O, S, V",
            label=_LABEL,
            wrong=", ".join(wrong),
        )
    authority, category, division = code[0], code[1], code[2:8]
    if authority not in REGISTRATION_AUTHORITIES:
        raise InvalidValue(
            field,
            "%(label)s has registration authority code %(authority)s; expected one of %(expected)s",
            label=_LABEL,
            authority=authority,
            expected=", ".join(REGISTRATION_AUTHORITIES),
        )
    name, categories = REGISTRATION_AUTHORITIES[authority]
    if category not in categories:
        raise InvalidValue(
            field,
            "%(label)s has category code %(category)s, which registration authority "
            "%(authority)s (%(name)s) does not use; expected one of %(categories)s",
            label=_LABEL,
            category=category,
            authority=authority,
            name=name,
            categories=", ".join(sorted(categories)),
        )
    if not division.isdigit() or not _known_division(division):
        raise InvalidValue(
            field,
            "%(label)s has division code %(division)s, which is not in the division table",
            label=_LABEL,
            division=division,
        )
    expected_org = organisation_check_character(code[8:16])
    if code[16] != expected_org:
        raise InvalidValue(
            field,
            "organisation code check character should be %(expected_org)s",
            expected_org=expected_org,
        )
    expected = uscc.calc_check_digit(code[:17])
    if code[17] != expected:
        raise InvalidValue(
            field,
            "%(label)s check character should be %(expected)s",
            label=_LABEL,
            expected=expected,
        )
    return code

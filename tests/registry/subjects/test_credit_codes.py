"""Unified social credit codes per GB 32100-2015, part by part, and where stdnum is not right."""

from __future__ import annotations

import pytest
from stdnum.cn import uscc

from registry.errors import InvalidValue
from registry.subjects.credit_codes import organisation_check_character
from registry.subjects.identifiers import validate_identifier


def code(first16: str) -> str:
    """A code from its first 16 characters, both check characters computed."""
    body = first16 + organisation_check_character(first16[8:16])
    return body + uscc.calc_check_digit(body)


def test_a_published_code_is_accepted() -> None:
    # Organisation code 60003734-1 inside, overall check character L.
    assert validate_identifier("cn_uscc", "9111 0000 6000 3734 1L").value == "91110000600037341L"
    assert organisation_check_character("60003734") == "1"


def test_organisation_check_character_wraps_to_x_and_0() -> None:
    assert organisation_check_character("MA5F0000") == "X"
    assert organisation_check_character("00000001") == "9"
    assert organisation_check_character("00000000") == "0"


@pytest.mark.parametrize(
    "first16",
    [
        "N2370282MA3C4D5E",  # village collective economic organisation (农业农村)
        "N1110105MA01ABCD",  # group-level collective economic organisation
        "Y1440300MA5F0001",  # registration authority "other"
        "A1110000MA01ABCD",  # military organisation
        "12100000MA01ABCD",  # public institution, registered at national level (100000)
        "52350100MA2Y0K7Q",  # private non-enterprise unit (民政)
        "93350100MA2Y0K7Q",  # farmers' cooperative
    ],
)
def test_every_registration_authority_is_accepted(first16: str) -> None:
    valid = code(first16)
    assert validate_identifier("cn_uscc", valid).value == valid


def test_python_stdnum_refuses_letter_authorities_that_are_valid() -> None:
    """The case where python-stdnum is not right: it wants 8 leading digits."""
    for first16 in ("N2370282MA3C4D5E", "Y1440300MA5F0001", "A1110000MA01ABCD"):
        assert not uscc.is_valid(code(first16))


def test_python_stdnum_accepts_a_wrong_organisation_check_character() -> None:
    body = "91440300MA5F00001"  # the organisation code's check character should be X
    wrong = body + uscc.calc_check_digit(body)
    assert uscc.is_valid(wrong)
    with pytest.raises(InvalidValue) as caught:
        validate_identifier("cn_uscc", wrong)
    assert caught.value.field == "identifiers.value"
    assert caught.value.reason == "organisation code check character should be X"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (code("91440300MA5F0001")[:-1] + "Z", "contains Z"),
        (code("91440300MA5F0001")[:-1], "must have 18 characters, not 17"),
        (code("B1440300MA5F0001"), "registration authority code B"),
        (code("94440300MA5F0001"), "category code 4, which registration authority 9"),
        (code("N4370282MA3C4D5E"), "category code 4, which registration authority N"),
        (code("91999900MA5F0001"), "division code 999900"),
        (code("91440399MA5F0001"), "division code 440399"),
    ],
)
def test_each_wrong_part_is_named(value: str, reason: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        validate_identifier("cn_uscc", value)
    assert caught.value.field == "identifiers.value"
    assert reason in caught.value.reason


def test_wrong_overall_check_character_names_the_right_one() -> None:
    valid = code("91440300MA5F0001")
    wrong = valid[:-1] + ("0" if valid[-1] != "0" else "1")
    with pytest.raises(InvalidValue) as caught:
        validate_identifier("cn_uscc", wrong)
    assert (
        caught.value.reason == f"unified social credit code check character should be {valid[-1]}"
    )

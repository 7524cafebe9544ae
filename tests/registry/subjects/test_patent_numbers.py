"""Patent numbers as people type them: every form of a Chinese number comes out in one form."""

from __future__ import annotations

import pytest

from registry.errors import InvalidValue
from registry.subjects.patent_numbers import patent_check_digit, validate_patent_number


@pytest.mark.parametrize(
    "typed",
    [
        "ZL201710601862.3",
        "zl 2017 1060 1862.3",
        "ZL 201710601862 . 3",
        "CN201710601862.3",
        "201710601862.3",
        "2017106018623",
        "ZL２０１７１０６０１８６２．３",  # full-width, as pasted from a Chinese document
        "ZL201710601862·3",
    ],
)
def test_twelve_digit_application_numbers_normalise_to_one_form(typed: str) -> None:
    assert validate_patent_number(typed) == "ZL201710601862.3"


def test_eight_digit_application_numbers_keep_their_check_digit() -> None:
    digits = "97112345"  # 1997, invention
    check = patent_check_digit(digits)
    assert validate_patent_number(f"ZL {digits[:2]} {digits[2]} {digits[3:]}.{check}") == (
        f"ZL{digits}.{check}"
    )
    assert validate_patent_number(f"{digits}{check}") == f"ZL{digits}.{check}"


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("CN 1234567 A", "CN1234567A"),
        ("cn101234567b", "CN101234567B"),
        ("CN 201234567 U", "CN201234567U"),
        ("CN2345678Y", "CN2345678Y"),
        ("CN 301234567 S", "CN301234567S"),
        ("CN 1234567 C", "CN1234567C"),
    ],
)
def test_publication_numbers_with_kind_codes(typed: str, canonical: str) -> None:
    assert validate_patent_number(typed) == canonical


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("ZL201710601862.4", "check digit 4 but the number requires 3"),
        ("ZL 2017 1060 1862", "neither a Chinese application number"),
        ("CN 1234567 Q", "neither a Chinese application number"),
        ("ZL201750601862.3", "patent type digit 5"),
    ],
)
def test_wrong_chinese_numbers_say_what_is_wrong(typed: str, reason: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        validate_patent_number(typed, "patents[0]")
    assert caught.value.field == "patents[0]"
    assert reason in caught.value.reason


def test_foreign_numbers_stay_as_typed() -> None:
    assert validate_patent_number(" us 9,876,543 b2 ") == "US 9,876,543 B2"
    assert validate_patent_number("EP 1 234 567 B1") == "EP 1 234 567 B1"

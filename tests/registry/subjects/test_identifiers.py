"""Identifiers, masking and patent numbers: the pure unit tier."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import ric, uscc

from registry.errors import InvalidValue
from registry.subjects.identifiers import (
    mask_ric,
    patent_check_digit,
    validate_identifier,
    validate_patent_number,
)

USCC_BODY = "91350100M000100Y4"
VALID_USCC = USCC_BODY + uscc.calc_check_digit(USCC_BODY)
RIC_BODY = "11010519800101123"
VALID_RIC = RIC_BODY + ric.calc_check_digit(RIC_BODY + "0")


def test_valid_credit_code_is_accepted_and_canonical() -> None:
    ident = validate_identifier("cn_uscc", " " + VALID_USCC.lower() + " ")
    assert ident.value == VALID_USCC
    assert ident.public_value(natural_person=False) == VALID_USCC


def test_credit_code_with_wrong_check_character_names_field_and_reason() -> None:
    wrong = VALID_USCC[:-1] + ("0" if VALID_USCC[-1] != "0" else "1")
    with pytest.raises(InvalidValue) as caught:
        validate_identifier("cn_uscc", wrong)
    assert caught.value.field == "identifiers.value"
    assert "check character" in caught.value.reason


def test_credit_code_of_wrong_length_is_refused() -> None:
    with pytest.raises(InvalidValue, match="must have 18 characters, not 16"):
        validate_identifier("cn_uscc", VALID_USCC[:-2])


def test_id_number_is_masked_in_public_output() -> None:
    ident = validate_identifier("cn_ric", VALID_RIC)
    assert ident.value == VALID_RIC
    assert ident.public_value(natural_person=True) == VALID_RIC[:4] + "*" * 10 + VALID_RIC[-4:]
    assert ident.as_public_dict(natural_person=True) == {
        "scheme": "cn_ric",
        "value": ident.public_value(natural_person=True),
    }


def test_mask_matches_design_example() -> None:
    assert mask_ric("35010219800101123X") == "3501**********123X"


def test_id_number_with_bad_check_is_refused() -> None:
    wrong = VALID_RIC[:-1] + ("0" if VALID_RIC[-1] != "0" else "1")
    with pytest.raises(InvalidValue, match="check character"):
        validate_identifier("cn_ric", wrong)


def test_foreign_identifier_needs_scheme_name() -> None:
    ident = validate_identifier("other", "HRB 12345", name="DE Handelsregister")
    assert ident.as_public_dict(natural_person=False) == {
        "scheme": "other",
        "value": "HRB 12345",
        "name": "DE Handelsregister",
    }
    # On a natural person an `other` value is personal data and is masked.
    assert ident.as_public_dict(natural_person=True)["value"] == "H*******5"
    with pytest.raises(InvalidValue) as caught:
        validate_identifier("other", "HRB 12345")
    assert caught.value.field == "identifiers.name"


@pytest.mark.parametrize(
    ("scheme", "value", "field"),
    [
        ("driving_licence", "X1", "identifiers.scheme"),
        ("other", "", "identifiers.value"),
        ("other", "a\x00b", "identifiers.value"),
        ("other", "x" * 101, "identifiers.value"),
    ],
)
def test_bad_identifiers_name_the_field(scheme: str, value: str, field: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        validate_identifier(scheme, value, name="Registry")
    assert caught.value.field == field


def test_known_patent_number_check_digit() -> None:
    # 201710601862.3 is a published CNIPA application number.
    assert patent_check_digit("201710601862") == "3"
    assert validate_patent_number("CN 201710601862.3") == "ZL201710601862.3"
    assert validate_patent_number("zl201710601862.3") == "ZL201710601862.3"


def test_patent_number_with_wrong_check_digit_says_which_is_required() -> None:
    with pytest.raises(InvalidValue, match="requires 3"):
        validate_patent_number("ZL201710601862.4")


def test_patent_number_with_unknown_type_digit_is_refused() -> None:
    digits = "201750601862"
    with pytest.raises(InvalidValue, match="type digit 5"):
        validate_patent_number(f"ZL{digits}.{patent_check_digit(digits)}")


def test_foreign_patent_numbers_are_free_text() -> None:
    assert validate_patent_number("US 9,876,543 B2") == "US 9,876,543 B2"
    with pytest.raises(InvalidValue, match="empty"):
        validate_patent_number("  ")


twelve_digits = st.builds(
    lambda year, kind, serial: f"{year}{kind}{serial:07d}",
    st.integers(1985, 2030),
    st.sampled_from("12389"),
    st.integers(0, 9_999_999),
)


@settings(max_examples=200)
@given(twelve_digits)
def test_any_number_with_its_own_check_digit_validates(digits: str) -> None:
    number = f"ZL{digits}.{patent_check_digit(digits)}"
    assert validate_patent_number(number) == number


@settings(max_examples=200)
@given(twelve_digits, st.integers(0, 11), st.integers(1, 9))
def test_any_single_digit_change_is_detected(digits: str, position: int, delta: int) -> None:
    check = patent_check_digit(digits)
    changed = digits[:position] + str((int(digits[position]) + delta) % 10) + digits[position + 1 :]
    # Weights 2..9 are all coprime to 11, so one changed digit always changes the check.
    assert patent_check_digit(changed) != check


@settings(max_examples=200)
@given(st.text(alphabet="0123456789X", min_size=8, max_size=18))
def test_mask_never_reveals_middle(value: str) -> None:
    masked = mask_ric(value)
    assert len(masked) == len(value)
    if len(value) > 8:
        assert masked[4:-4] == "*" * (len(value) - 8)

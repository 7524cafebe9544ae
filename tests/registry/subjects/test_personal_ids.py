"""Identifiers of natural persons: real-format samples of every scheme, and their masking."""

from __future__ import annotations

import datetime as dt

import pytest
from stdnum.iso7064 import mod_11_2

from registry.errors import InvalidValue
from registry.subjects.identifiers import public_identifiers, validate_identifier
from registry.subjects.personal_ids import PERSONAL_SCHEMES, mask_personal


def _checked(body: str) -> str:
    return body + mod_11_2.calc_check_digit(body)


HK_RESIDENCE = _checked("81000019900101123")
TW_RESIDENCE = _checked("83000019851230002")
FOREIGN_PR_2023 = _checked("91184019850315001")  # Beijing (11), USA (840), born 1985-03-15
FOREIGN_PR_2004 = "USA310085031501"


@pytest.mark.parametrize(
    ("scheme", "typed", "canonical"),
    [
        ("hkmo_permit", "h12345678", "H12345678"),
        ("hkmo_permit", "M 8765 4321", "M87654321"),
        ("hkmo_permit", "H1234567801", "H1234567801"),
        ("tw_permit", "12345678", "12345678"),
        ("tw_permit", "1234567801", "1234567801"),
        ("hkmotw_residence", HK_RESIDENCE, HK_RESIDENCE),
        ("hkmotw_residence", TW_RESIDENCE.lower(), TW_RESIDENCE),
        ("foreign_pr", FOREIGN_PR_2023, FOREIGN_PR_2023),
        ("foreign_pr", "usa310085031501", FOREIGN_PR_2004),
    ],
)
def test_personal_schemes_accept_real_formats(scheme: str, typed: str, canonical: str) -> None:
    assert validate_identifier(scheme, typed).value == canonical


def test_passport_carries_its_country() -> None:
    chinese = validate_identifier("passport", "e1234 5678", country="cn")
    assert (chinese.value, chinese.name) == ("E12345678", "CN")
    assert chinese.as_public_dict(natural_person=True) == {
        "scheme": "passport",
        "value": "E*******8",
        "country": "CN",
    }
    assert validate_identifier("passport", "EA1234567", country="CN").value == "EA1234567"
    assert validate_identifier("passport", "123456789", country="GB").value == "123456789"


@pytest.mark.parametrize(
    ("scheme", "value", "country", "field", "reason"),
    [
        ("hkmo_permit", "X12345678", None, "identifiers.value", "H or M and 8 digits"),
        ("hkmo_permit", "H1234567", None, "identifiers.value", "H or M and 8 digits"),
        ("tw_permit", "1234567", None, "identifiers.value", "8 digits"),
        ("hkmotw_residence", "350100198001011234", None, "identifiers.value", "810000"),
        ("hkmotw_residence", HK_RESIDENCE[:-1] + "Y", None, "identifiers.value", "17 digits"),
        (
            "hkmotw_residence",
            _checked("81000018990101123"),
            None,
            "identifiers.value",
            "before 1900",
        ),
        ("foreign_pr", "USA31008503150", None, "identifiers.value", "2004 form"),
        ("foreign_pr", _checked("90084019850315001"), None, "identifiers.value", "province"),
        ("foreign_pr", _checked("91184019851315001"), None, "identifiers.value", "birth date"),
        ("passport", "E12345678", None, "identifiers.country", "issuing country"),
        ("passport", "E12345678", "XX", "identifiers.country", "alpha-2"),
        ("passport", "12345678", "CN", "identifiers.value", "Chinese passport"),
        ("passport", "AB", "GB", "identifiers.value", "5 to 20"),
    ],
)
def test_bad_personal_identifiers_say_what_is_wrong(
    scheme: str, value: str, country: str | None, field: str, reason: str
) -> None:
    with pytest.raises(InvalidValue) as caught:
        validate_identifier(scheme, value, country=country)
    assert caught.value.field == field
    assert reason in caught.value.reason


def test_wrong_check_character_names_the_expected_one() -> None:
    wrong = FOREIGN_PR_2023[:-1] + ("0" if FOREIGN_PR_2023[-1] != "0" else "1")
    with pytest.raises(InvalidValue) as caught:
        validate_identifier("foreign_pr", wrong)
    assert caught.value.reason == (
        f"permanent residence ID number check character should be {FOREIGN_PR_2023[-1]}"
    )


def test_ric_birth_date_must_be_past_and_after_1900(monkeypatch: pytest.MonkeyPatch) -> None:
    future = _checked("35010020990101123")
    with pytest.raises(InvalidValue, match="birth date in the future"):
        validate_identifier("cn_ric", future)
    old = _checked("35010018991231123")
    with pytest.raises(InvalidValue, match="before 1900"):
        validate_identifier("cn_ric", old)
    # "Today" is the Beijing date: at 17:00 UTC on 31 Dec it is already 1 Jan in Beijing.
    born = _checked("35010020300101123")
    monkeypatch.setattr(
        "registry.clock.utcnow", lambda: dt.datetime(2029, 12, 31, 17, 0, tzinfo=dt.UTC)
    )
    assert validate_identifier("cn_ric", born).value == born


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("35010019800118123X", "3501**********123X"),
        ("USA310085031501", "USA3*******1501"),
        ("H12345678", "H*******8"),
        ("1234567890", "12******90"),
        ("12345", "1***5"),
        ("1234", "****"),
    ],
)
def test_masking_hides_most_of_every_number(value: str, masked: str) -> None:
    assert mask_personal(value) == masked
    assert mask_personal(masked) == masked  # masking twice changes nothing


def test_every_personal_scheme_is_masked_and_other_only_on_persons() -> None:
    samples = [
        {"scheme": "cn_ric", "value": "35010019800118123X"},
        {"scheme": "hkmotw_residence", "value": HK_RESIDENCE},
        {"scheme": "hkmo_permit", "value": "H12345678"},
        {"scheme": "tw_permit", "value": "12345678"},
        {"scheme": "foreign_pr", "value": FOREIGN_PR_2023},
        {"scheme": "passport", "value": "E12345678", "country": "CN"},
    ]
    assert {item["scheme"] for item in samples} == PERSONAL_SCHEMES
    for natural_person in (True, False):
        shown = public_identifiers(samples, natural_person)
        assert [item["value"] for item in shown] == [mask_personal(s["value"]) for s in samples]
    other = [{"scheme": "other", "name": "HK ID", "value": "A1234563"}]
    assert public_identifiers(other, natural_person=True)[0]["value"] == "A******3"
    assert public_identifiers(other, natural_person=False) == other


def test_personal_schemes_are_refused_on_companies(session: object) -> None:
    from tests import builders

    with pytest.raises(InvalidValue, match="hkmo_permit identifies natural persons only"):
        builders.subject(
            session,  # type: ignore[arg-type]
            kind="legal_person",
            identifiers=[{"scheme": "hkmo_permit", "value": "H12345678"}],
        )

"""Hostile text into the domain parsers: accepted, or refused with InvalidValue, never more."""

from __future__ import annotations

import csv
import io
import json

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from publisher.writers.snapshot import FORMULA_PREFIXES, csv_row, neutralise_formula
from registry.canonical import loads_strict
from registry.errors import InvalidValue
from registry.subjects.identifiers import validate_identifier, validate_patent_number

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Text a hostile form would send: control characters, bidi overrides, confusables, surrogates
# excluded only because a Python str from JSON cannot carry them unpaired anyway.
HOSTILE_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60
) | st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "9135010\u202eM000100Y43",
        "９１３５０１００Ｍ０００１００Ｙ４３",  # full-width: NFKC folds it to ASCII
        "ZL２０１７１０６０１８６２.３",
        "ZL201710601862.3\n",
        "ＺＬ",
        "CN" + "9" * 5000,
        "Ꭺcme",  # Cherokee A, a Latin look-alike
        "\ufeffZL201710601862.3",
    ]
)


@FUZZ
@given(
    scheme=st.sampled_from(["cn_uscc", "cn_ric", "other", "", "CN_USCC"]) | st.text(max_size=8),
    value=HOSTILE_TEXT,
    name=st.none() | HOSTILE_TEXT,
)
def test_validate_identifier_raises_only_invalid_value(
    scheme: str, value: str, name: str | None
) -> None:
    try:
        identifier = validate_identifier(scheme, value, name)
    except InvalidValue as error:
        assert error.field.startswith("identifiers") and error.reason
        return
    assert identifier.scheme in {"cn_uscc", "cn_ric", "other"}
    assert identifier.value and identifier.value == identifier.value.strip()


@FUZZ
@given(scheme=st.none() | st.integers() | st.lists(st.text()), value=st.none() | st.integers())
def test_validate_identifier_refuses_non_strings(scheme: object, value: object) -> None:
    with pytest.raises(InvalidValue, match="must both be strings"):
        validate_identifier(scheme, value)  # type: ignore[arg-type]


@FUZZ
@given(value=HOSTILE_TEXT | st.from_regex(r"\A(ZL|CN)?\d{8,13}\.?[0-9X]?\Z"))
@example("ZL201710601862.3")
def test_validate_patent_number_raises_only_invalid_value(value: str) -> None:
    try:
        number = validate_patent_number(value)
    except InvalidValue as error:
        assert error.field == "patents" and error.reason
        return
    assert number == number.strip() and number
    assert not any(ord(char) < 32 for char in number)


def test_validate_patent_number_refuses_non_strings() -> None:
    with pytest.raises(InvalidValue, match="must be a string"):
        validate_patent_number(12345678)  # type: ignore[arg-type]


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=20,
)


@FUZZ
@given(value=JSON_VALUES)
def test_loads_strict_round_trips_float_free_json(value: object) -> None:
    assert loads_strict(json.dumps(value)) == value


@FUZZ
@given(data=st.binary(max_size=80) | st.text(max_size=80))
def test_loads_strict_raises_only_invalid_value(data: bytes | str) -> None:
    try:
        loads_strict(data)
    except InvalidValue as error:
        assert error.field == "json" and error.reason


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("[" * 10_000 + "]" * 10_000, "nested too deeply"),
        ('{"a":' * 10_000 + "1" + "}" * 10_000, "nested too deeply"),
        ("9" * 5000, "4300"),
        ('{"a": 1, "a": 2}', 'duplicate key "a"'),
        ("1.5", "floats are not allowed"),
        ("NaN", "NaN is not JSON"),
        (b'"\xff"', "not UTF-8"),
    ],
)
def test_loads_strict_refuses_hostile_documents_cleanly(text: str | bytes, reason: str) -> None:
    with pytest.raises(InvalidValue, match=reason):
        loads_strict(text)


def test_loads_strict_keeps_huge_but_legal_integers_exact() -> None:
    assert loads_strict("1" + "0" * 400) == 10**400


def _csv_cells(bundle: dict[str, object]) -> list[str]:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(csv_row(bundle))
    return next(csv.reader(io.StringIO(buffer.getvalue())))


@FUZZ
@given(cell=st.text(max_size=30), prefix=st.sampled_from(FORMULA_PREFIXES))
def test_formula_cells_are_neutralised(cell: str, prefix: str) -> None:
    assert neutralise_formula(prefix + cell) == "'" + prefix + cell


@FUZZ
@given(
    name=st.sampled_from(["=", "+", "-", "@"]).flatmap(
        lambda p: st.text(max_size=20).map(p.__add__)
    ),
    alias=st.text(max_size=20),
)
def test_exported_csv_cells_never_start_a_formula(name: str, alias: str) -> None:
    bundle = {
        "entry": {
            "entry_id": '=HYPERLINK("http://x")',
            "subject": {
                "name": name,
                "aliases": [alias],
                "identifiers": [{"scheme": "-x", "value": "1"}],
            },
            "decision": {"authority": "@SUM(A1)", "document_number": "+1"},
            "remedy": "-2+3",
        },
        "signature": {"kid": "k", "sig": "s"},
    }
    for cell in _csv_cells(bundle):
        assert not cell.startswith(FORMULA_PREFIXES), cell

"""List types as configuration: the shipped files, the checks on an operator's files, the engine."""

from __future__ import annotations

import shutil
import tomllib
from datetime import date
from pathlib import Path

import pytest

from registry.errors import InvalidValue
from registry.listings.facts import CASE_KINDS as RULES_CASE_KINDS
from registry.listings.list_types.loader import (
    SHIPPED_DIR,
    ListTypeError,
    load_list_types,
    parse_list_type,
)
from registry.listings.policy import Policy
from registry.listings.rules import CaseFacts, RulesConfig, evaluate
from registry.models import CASE_KINDS

ON = date(2026, 6, 1)
SIX_2019_KINDS = {
    "repeat_infringement": "重复专利侵权行为",
    "refusal_to_perform": "不依法执行行为",
    "agency_violation": "专利代理严重违法行为",
    "certificate_lending": "专利代理师资格证书挂靠行为",
    "abnormal_application": "非正常申请专利行为",
    "false_documents": "提供虚假文件行为",
}


def _shipped_raw(code: str) -> dict[str, object]:
    return tomllib.loads((SHIPPED_DIR / f"{code}.toml").read_text(encoding="utf-8"))


def test_the_six_kinds_of_2019_and_the_deliberate_policy_type_ship() -> None:
    types = {t.code: t for t in load_list_types(SHIPPED_DIR)}
    assert set(types) == {*SIX_2019_KINDS, "deliberate_infringement"}
    for code, name in SIX_2019_KINDS.items():
        assert types[code].name_zh == name
        assert "国知发保字〔2019〕52号" in types[code].citation_zh
        # The article numbers could not be checked against the official text: said, not invented.
        assert types[code].article.startswith("unverified")
    deliberate = types["deliberate_infringement"]
    assert deliberate.basis_kinds == ("court_judgment",)
    assert "art. 71" in deliberate.article
    assert types["abnormal_application"].determined_by == ("cnipa",)
    assert types["abnormal_application"].basis_kinds == ("cnipa_determination",)


def test_shipped_periods_are_the_settings_because_the_figures_are_unverified() -> None:
    for list_type in load_list_types(SHIPPED_DIR):
        assert list_type.listing_years is None
        assert list_type.restoration_min_years is None
        assert list_type.period_source.startswith("unverified")


def test_measures_are_chinese_with_english_alongside() -> None:
    repeat = {t.code: t for t in load_list_types(SHIPPED_DIR)}["repeat_infringement"]
    assert repeat.measures_zh[0] == "限制参与政府采购"
    assert repeat.measures_en[0] == "restricted access to government procurement"


def test_the_rules_engine_and_the_models_know_the_same_case_kinds() -> None:
    assert CASE_KINDS == RULES_CASE_KINDS


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"rule": "guesswork"}, "rule", "'guesswork' is not one of"),
        ({"name_zh": ""}, "name_zh", "non-empty text"),
        ({"basis_kinds": ["verdict"]}, "basis_kinds[0]", "'verdict' is not one of"),
        ({"determined_by": ["county"]}, "determined_by[0]", "'county' is not one of"),
        ({"listing_years": 0}, "listing_years", "1 or more"),
        ({"listing_years": 2, "restoration_min_years": 3}, "restoration_min_years", "longer"),
        ({"measures_en": ["only one"]}, "measures_en", "one English text per Chinese"),
        ({"colour": "red"}, "colour", "unknown field"),
        ({"conduct": "false_documents"}, "conduct", "only determination types"),
        (
            {"basis_kinds": ["court_judgment"]},
            "basis_kinds",
            "rule refusal_to_perform cannot rest on court_judgment",
        ),
    ],
)
def test_a_bad_list_type_names_the_file_and_the_field(
    change: dict[str, object], field: str, words: str
) -> None:
    raw = {**_shipped_raw("refusal_to_perform"), **change}
    with pytest.raises(ListTypeError) as raised:
        parse_list_type(raw, "refusal_to_perform.toml")
    assert raised.value.field == f"refusal_to_perform.toml: {field}"
    assert words in raised.value.reason


def test_deliberate_infringement_rests_on_court_judgments_only() -> None:
    raw = {**_shipped_raw("deliberate_infringement"), "basis_kinds": ["administrative_ruling"]}
    with pytest.raises(ListTypeError, match="cannot rest on administrative_ruling"):
        parse_list_type(raw, "deliberate_infringement.toml")


def test_a_folder_is_checked_as_a_whole(tmp_path: Path) -> None:
    shutil.copy(SHIPPED_DIR / "false_documents.toml", tmp_path / "fake_papers.toml")
    with pytest.raises(ListTypeError) as raised:
        load_list_types(tmp_path)
    assert raised.value.field == "fake_papers.toml: code"
    (tmp_path / "fake_papers.toml").unlink()
    with pytest.raises(ListTypeError, match="holds no"):
        load_list_types(tmp_path)
    (tmp_path / "broken.toml").write_text("code = ", encoding="utf-8")
    with pytest.raises(ListTypeError) as raised:
        load_list_types(tmp_path)
    assert raised.value.field == "broken.toml"


def test_an_operators_folder_replaces_the_shipped_types(tmp_path: Path) -> None:
    raw = (SHIPPED_DIR / "false_documents.toml").read_text(encoding="utf-8")
    (tmp_path / "false_documents.toml").write_text(
        raw + "listing_years = 5\nrestoration_min_years = 2\n", encoding="utf-8"
    )
    policy = Policy.from_settings(_settings(LIST_TYPES_DIR=str(tmp_path)))
    assert [t.code for t in policy.list_types] == ["false_documents"]
    periods = policy.periods_for(["false_documents"])
    assert (periods.listing_years, periods.restoration_min_years) == (5, 2)
    shipped = Policy.from_settings(_settings())
    assert shipped.periods_for(["false_documents"]).listing_years == 3  # the setting


def _settings(**overrides: object) -> dict[str, object]:
    from runtime.config import SETTINGS

    return {name: default for name, (default, _parse, _text) in SETTINGS.items()} | overrides


def determination(case_id: int, **facts: object) -> CaseFacts:
    """An effective determination by CNIPA finding abnormal applications."""
    defaults: dict[str, object] = {
        "document_number": f"国知发保决字〔2025〕{case_id}号",
        "kind": "cnipa_determination",
        "authority": "国家知识产权局",
        "decided_on": date(2025, 3, 1),
        "effective_on": date(2025, 3, 1),
        "conduct": "abnormal_application",
    }
    return CaseFacts(case_id=case_id, **{**defaults, **facts})  # type: ignore[arg-type]


def test_a_determination_type_lists_on_its_determination_document() -> None:
    evaluation = evaluate([determination(1)], ON)
    result = evaluation.grounds["abnormal_application"]
    assert result.holds
    assert result.case_ids == (1,)
    assert result.explanation == (
        "Determination 国知发保决字〔2025〕1号, a determination by CNIPA (国家知识产权局), "
        "found abnormal patent applications, effective 2025-03-01."
    )
    # The infringement engine does not count it.
    assert not evaluation.grounds["repeat_infringement"].holds
    assert not evaluation.grounds["false_documents"].holds


def test_a_determination_by_the_wrong_level_does_not_count_and_says_why() -> None:
    provincial = determination(2, kind="provincial_determination", authority="福建省知识产权局")
    result = evaluate([provincial], ON).grounds["abnormal_application"]
    assert not result.holds
    assert (
        "a determination by a provincial patent office, which this list type does not rest on"
        in (result.explanation)
    )
    agency = determination(3, kind="provincial_determination", conduct="agency_violation")
    assert evaluate([agency], ON).grounds["agency_violation"].holds


def test_a_determination_not_yet_effective_does_not_count() -> None:
    pending = determination(4, effective_on=None)
    assert not evaluate([pending], ON).grounds["abnormal_application"].holds


@pytest.mark.parametrize(
    ("facts", "field"),
    [
        ({"conduct": None}, "conduct"),
        ({"conduct": "plagiarism"}, "conduct"),
        ({"infringement_found": True}, "infringement_found"),
        ({"kind": "administrative_ruling"}, "conduct"),
    ],
)
def test_determination_facts_are_checked(facts: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidValue) as raised:
        determination(5, **facts)
    assert raised.value.field == field


def test_the_grounds_are_the_configured_types() -> None:
    only = tuple(t for t in load_list_types(SHIPPED_DIR) if t.code == "false_documents")
    evaluation = evaluate([determination(1)], ON, RulesConfig(list_types=only))
    assert list(evaluation.grounds) == ["false_documents"]

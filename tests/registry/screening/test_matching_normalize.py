"""Normalisation, parsing and pinyin for name matching."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypinyin import lazy_pinyin

from registry.screening.matching import name_keys, normalize_name, parse_name, to_pinyin


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("ＨＵＡＸＩＮＧ　Ｔｅｃｈｎｏｌｏｇｙ", "huaxing technology"),  # full width
        ("ﾎﾟﾝ 华兴", "ポン华兴"),  # half-width katakana composed by NFKC
        ("STRASSE Straße", "strasse strasse"),  # casefold
        ("深圳市華興科技有限公司", "深圳市华兴科技"),  # traditional characters
        ("华兴\u200b科技\u00ad有限\u2060公司", "华兴科技"),  # zero-width and soft hyphen
        ("Nordwind\u202e Optics\x07 GmbH", "nordwind optics"),  # bidi override, control
        ("Вank оf Сhina Ltd", "bank of china"),  # Cyrillic look-alikes
        ("Müller Präzision AG & Co. KG", "muller prazision"),  # accents, stacked legal forms
        ("  深圳市 · 华兴 — 科技  ", "深圳市华兴科技"),  # punctuation and space variants
        ("华兴科技（深圳）有限公司", "华兴科技深圳"),  # full-width brackets
        ("O'Neil & Sons, Inc.", "oneil sons"),
    ],
)
def test_normalize_name_folds_writing_variants(written: str, expected: str) -> None:
    assert normalize_name(written) == expected


@pytest.mark.parametrize(
    "name",
    [
        "深圳市华兴科技有限公司",
        "深圳市华兴科技有限责任公司",
        "深圳市华兴科技股份有限公司",
        "深圳市华兴科技集团有限公司",
        "深圳市华兴科技集团股份有限公司",
        "深圳市华兴科技公司",
        "深圳市华兴科技合伙企业(有限合伙)",
    ],
)
def test_chinese_legal_forms_are_stripped(name: str) -> None:
    assert normalize_name(name) == "深圳市华兴科技"


@pytest.mark.parametrize(
    "suffix",
    [
        "Co., Ltd.",
        "Co.,Ltd",
        "CO LTD",
        "Limited",
        "LLC",
        "L.L.C.",
        "Inc.",
        "Corp.",
        "Corporation",
        "GmbH",
        "AG",
        "S.A.",
        "S. A.",
        "GmbH & Co. KG",
        "Pte. Ltd.",
        "S.r.l.",
        "PLC",
        "B.V.",
        "Group Co., Ltd.",
        "youxian gongsi",
        "You Xian Gong Si",
    ],
)
def test_latin_legal_forms_are_stripped(suffix: str) -> None:
    assert normalize_name(f"Huaxing Precision {suffix}") == "huaxing precision"


def test_short_legal_forms_leave_personal_names_alone() -> None:
    # "Sa" and "Se" are pinyin syllables as well as legal forms.
    assert normalize_name("Zhang Sa") == "zhang sa"
    assert normalize_name("Nordwind Optics SA") == "nordwind optics"


def test_region_prefix_is_split_off_with_its_division_code() -> None:
    form = parse_name("深圳市华兴科技有限公司")
    assert (form.regions, form.core, form.trade, form.industry) == (
        frozenset({"440300"}),
        "华兴科技",
        "华兴",
        "科技",
    )
    nested = parse_name("广东省深圳市南山区华兴电子科技有限公司")
    assert nested.regions == frozenset({"440000", "440300", "440305"})
    assert (nested.trade, nested.industry) == ("华兴", "电子科技")
    assert parse_name("苏州工业园区华瑞新材料有限公司").regions == frozenset({"320500"})


def test_region_in_brackets_and_unknown_places() -> None:
    bracketed = parse_name("华兴科技（深圳）有限公司")
    assert (bracketed.regions, bracketed.core) == (frozenset({"440300"}), "华兴科技")
    unknown = parse_name("慈溪市华兴科技有限公司")
    assert unknown.core == "华兴科技"
    # A place outside the table is known by its sound, so a variant character the
    # traditional-to-simplified table keeps (慈谿) names the same place.
    assert unknown.regions == frozenset({"?cixi"})
    assert parse_name("慈谿市华兴科技有限公司").regions == unknown.regions


def test_a_region_name_that_is_the_whole_name_stays() -> None:
    # Two characters must remain for the trade name; 中山 alone is not "Zhongshan city".
    assert parse_name("中山").core == "中山"
    assert parse_name("中山华兴").core == "华兴"
    # 市场 (market) is not a city.
    assert parse_name("华兴市场管理有限公司").core == "华兴市场管理"


def test_latin_region_words_are_split_off_at_either_end() -> None:
    for written in (
        "Shenzhen Huaxing Technology Co., Ltd.",
        "Huaxing Technology (Shenzhen)",
        "Huaxing Technology Shenzhen City",
        "Shen Zhen Shi Huaxing Technology",
    ):
        form = parse_name(written)
        assert form.regions == frozenset({"440300"}), written
        assert form.distinct == ("huaxing",), written


@pytest.mark.parametrize(
    "written",
    ["华兴科技", "Huaxing Technology", "Huaxing Keji", "huaxingkeji", "Huaxing Tecnology"],
)
def test_industry_words_meet_in_shared_tokens(written: str) -> None:
    form = parse_name(written)
    assert form.distinct == ("huaxing",)
    assert form.sector == ("keji",)


def test_word_order_does_not_change_the_parts() -> None:
    one = parse_name("Nordwind Precision Instruments GmbH")
    other = parse_name("Precision Instruments Nordwind")
    assert one.distinct == other.distinct == ("nordwind",)
    assert sorted(one.sector) == sorted(other.sector)


def test_personal_names_romanise_as_surname_and_given_name() -> None:
    assert parse_name("张伟").distinct == ("zhang", "wei")
    assert parse_name("欧阳娜娜").distinct == ("ouyang", "nana")


def test_pinyin_is_toneless_in_joined_and_spaced_forms() -> None:
    pinyin = to_pinyin("深圳市華興科技")
    assert pinyin.joined == "shenzhenshihuaxingkeji"
    assert pinyin.spaced == "shen zhen shi hua xing ke ji"


def test_pinyin_reads_phrases_and_writes_u_umlaut_as_u() -> None:
    assert to_pinyin("重庆长城").spaced == "chong qing chang cheng"
    assert to_pinyin("吕").spaced == "lu"
    assert to_pinyin("华为 Tech 5G").spaced == "hua wei tech 5g"


def test_name_keys_cover_name_region_free_core_and_pinyin() -> None:
    keys = name_keys("深圳市華興科技有限公司")
    for key in ("深圳市华兴科技", "华兴科技", "huaxingkeji", "hua xing ke ji", "hxkj"):
        assert key in keys
    assert name_keys("Nordwind Optics GmbH") == ("nordwind optics",)


_ALPHABET = st.sampled_from(
    list("abcXYZ019 .,-&()（）　ＡＢ華興华兴科技有限公司深圳市é\u200b\u00ad\x07Вок")
)


@settings(max_examples=60, deadline=None)
@given(st.text(_ALPHABET, max_size=24))
def test_normalised_names_are_stable_and_visible(text: str) -> None:
    once = normalize_name(text)
    assert normalize_name(once) == once
    assert not any(unicodedata.category(char) in {"Cc", "Cf"} for char in once)
    assert once == once.strip()


def test_steel_structures_and_crafts_are_industry_words() -> None:
    # Without them the shared ending was taken for the industry and swallowed the trade
    # name's last character, and "Steel Structure" met no Chinese industry word.
    steel = parse_name("杭州华美钢结构有限公司")
    assert (steel.trade, steel.industry) == ("华美", "钢结构")
    assert parse_name("Hangzhou Huamei Steel Structure Co., Ltd.").sector == steel.sector
    crafts = parse_name("义乌市华兴工艺品有限公司")
    assert (crafts.trade, crafts.industry) == ("华兴", "工艺品")
    assert parse_name("Yiwu Huaxing Crafts Co., Ltd.").sector == crafts.sector


# Characters of names, of phrases that straddle them (银行 / 行长, 重庆, 长城, 有限公司, 科技) and
# of readings that differ by phrase, for runs that pypinyin cuts in many ways.
_RUN_CHARACTERS = "银行长重庆城有限公司科技股份集团华兴达南京市上海中国人民解放军乐都会朝阳"


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=_RUN_CHARACTERS, min_size=1, max_size=24))
def test_a_chinese_run_reads_as_pypinyin_reads_it_whole(run: str) -> None:
    """The run is cut into words and each word read from a cache: pypinyin's own two steps."""
    whole = [r.replace("v", "u") for r in lazy_pinyin(run, errors="ignore") if r.isalpha()]
    assert list(to_pinyin(run).syllables) == whole


def test_common_words_read_in_their_phrase() -> None:
    assert to_pinyin("重庆银行股份有限公司").spaced == "chong qing yin hang gu fen you xian gong si"
    assert to_pinyin("长城行长").spaced == "chang cheng hang zhang"

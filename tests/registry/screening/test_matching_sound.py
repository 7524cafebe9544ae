"""Trade names compared by character and by sound (registry.screening.matching.sound)."""

from __future__ import annotations

import pytest

from registry.screening.matching import DEFAULT_THRESHOLD
from registry.screening.matching.sound import (
    compare_chars,
    readings,
    same_sound,
    sounds_of,
    trade_name_score,
)


def test_readings_are_toneless_and_cover_every_common_pronunciation() -> None:
    assert readings("行") == {"xing", "hang"}
    assert readings("长") == {"zhang", "chang"}
    assert same_sound("兴", "星")
    assert not same_sound("兴", "鑫")  # xing / xin: a near sound, not the same
    assert ("hua", "xing") in sounds_of("华行") and ("hua", "hang") in sounds_of("华行")


@pytest.mark.parametrize(
    ("char", "rare", "common"),
    [
        ("鑫", "xun", {"xin"}),
        ("晟", "jing", {"cheng"}),
        ("行", "heng", {"xing", "hang"}),  # 道行: one phrase in 762
        ("越", "huo", {"yue"}),
        ("立", "wei", {"li"}),
        ("盛", "cheng", {"sheng"}),  # 盛饭: 4 phrases in 49
    ],
)
def test_a_rare_reading_does_not_count_for_sound(char: str, rare: str, common: set[str]) -> None:
    assert readings(char) == common
    assert rare not in readings(char)


@pytest.mark.parametrize(
    ("query", "listed"),
    [
        ("嘉迅", "嘉鑫"),  # 迅 xun, 鑫 xin (xun only in old dictionaries)
        ("和晶", "和晟"),  # 晶 jing, 晟 cheng
        ("和致", "越致"),  # 和 he, 越 yue
        ("立藤", "薇藤"),  # 立 li, 薇 wei
        ("盛鸿", "成鸿"),  # 盛 sheng, 成 cheng
    ],
)
def test_look_alikes_by_a_rare_reading_are_different_trade_names(query: str, listed: str) -> None:
    differing = [(left, right) for left, right in zip(query, listed, strict=True) if left != right]
    assert not any(same_sound(left, right) for left, right in differing)
    assert trade_name_score(query, listed).score < DEFAULT_THRESHOLD


@pytest.mark.parametrize(
    ("query", "listed", "counts"),
    [
        ("华星", "华兴", (1, 0, 0)),  # homophones, swaps, slips
        ("兴华", "华兴", (0, 1, 0)),
        ("华美达", "华兴达", (0, 0, 1)),
        ("华兴达", "华兴", (0, 0, 1)),
    ],
)
def test_the_alignment_says_what_differs(
    query: str, listed: str, counts: tuple[int, int, int]
) -> None:
    found = compare_chars(query, listed)
    assert (found.homophones, found.swaps, found.slips) == counts


@pytest.mark.parametrize(
    ("query", "listed", "above"),
    [
        ("华兴", "华兴", True),
        ("华星", "华兴", True),  # same sound
        ("骅星", "华兴", True),  # both characters, same sound
        ("兴华", "华兴", True),  # swapped
        ("华美达", "华兴达", True),  # one replaced, two of three agree
        ("华兴达", "华兴", True),  # one added
        ("华达", "华兴达", True),  # one left out
        ("华美", "华兴", False),  # look-alike: shares one character of two
        ("鼎秦", "鼎泰", False),  # a slip in a two-character name cannot be told from one
        ("美康达", "华兴达", False),  # shares one character of three
        ("星华达", "华兴达", True),  # swapped by sound
    ],
)
def test_trade_name_scores_against_the_threshold(query: str, listed: str, above: bool) -> None:
    assert (trade_name_score(query, listed).score >= DEFAULT_THRESHOLD) is above


def test_a_slip_still_ranks_for_the_site_search() -> None:
    # Below the screening threshold, above the site's search threshold (api/site/name_index).
    assert 0.6 < trade_name_score("鼎秦", "鼎泰").score < DEFAULT_THRESHOLD


def test_a_persons_homophone_name_is_a_near_match_below_the_threshold() -> None:
    near = trade_name_score("张玮", "张伟", person=True)
    assert 0.6 < near.score < DEFAULT_THRESHOLD
    assert "ID number" in near.reason
    assert trade_name_score("张伟明", "张伟亮", person=True).score < 0.6


def test_spaced_pinyin_of_a_whole_name_is_not_read_as_places() -> None:
    from registry.screening.matching.query_words import split_query_words

    spaced = split_query_words("ning bo shi tu hai ke ji you xian ze ren gong si")
    assert not spaced.filters  # "xian" is a syllable here, not Xi'an
    assert split_query_words("Shenzhen Huaxing").regions == frozenset({"440300"})

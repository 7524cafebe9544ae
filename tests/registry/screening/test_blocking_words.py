"""Blocking finds a Latin name by each of its words, one typo away, among many similar names."""

from __future__ import annotations

from array import array

import numpy as np

from registry.screening.matching import ListedName, MatchIndex, ScreeningQuery
from registry.screening.matching.blocking import CountedKeys, SharedKeys

ENDINGS = [
    "da",
    "hua",
    "mei",
    "feng",
    "sheng",
    "yuan",
    "he",
    "xin",
    "tai",
    "jia",
    "chang",
    "rui",
    "bo",
    "hong",
    "guang",
    "an",
    "ping",
]


def _listed() -> list[ListedName]:
    # Thirty-four Tianjin companies whose trade names share more letters with the query than the
    # one sought, and seventeen more sharing its first syllable: they crowd it out of the
    # candidates unless each query word is also looked up on its own.
    listed = [
        ListedName(f"T{n}", "legal_person", f"Tianjin {head}{ending} Trading Co., Ltd.")
        for n, (head, ending) in enumerate(
            (head, ending) for head in ("Jinlin", "Qinlin", "Lian") for ending in ENDINGS
        )
    ]
    listed.append(ListedName("WANTED", "legal_person", "Tianjin Lianlian Trading Co., Ltd."))
    return listed


def test_a_misspelt_place_and_a_trade_name_one_letter_short_still_find_the_subject() -> None:
    index = MatchIndex.build(_listed())
    found = index.screen(ScreeningQuery(name="Tiagjin Linlian Trading Co., Ltd."))
    assert [match.entry_id for match in found][:1] == ["WANTED"]


def test_a_pinyin_query_with_a_misspelt_industry_word_finds_the_trade_name_whole() -> None:
    # Thirty companies whose trade names begin with the one sought (力洁 + one more character)
    # share as many letters with the query; the query's words run together (li + jie) meet the
    # trade name sought whole.
    crowd = "安华美丰盛源和新泰嘉昌瑞博宏光平达兴顺通祥恒宇辰航远腾飞鸿"
    listed = [
        ListedName(f"C{n}", "legal_person", f"郑州市力洁{char}电子有限公司")
        for n, char in enumerate(crowd)
    ]
    listed.append(ListedName("WANTED", "legal_person", "郑州市力洁电子有限公司"))
    found = MatchIndex.build(listed).screen(ScreeningQuery(name="Li Jie Dain Zi"))
    assert "WANTED" in [match.entry_id for match in found]


def test_counting_in_python_and_with_numpy_rank_alike() -> None:
    lists = [
        array("i", [5, 9, 12, 40]),
        array("i", [9, 12]),
        array("i", [3, 9, 40]),
        array("i", [12]),
    ]
    small = SharedKeys.count(lists)
    many = SharedKeys(
        *np.unique(np.concatenate([np.asarray(x) for x in lists]), return_counts=True)
    )
    assert isinstance(small, CountedKeys)
    assert small.top(3) == many.top(3) == [(9, 3), (12, 3), (40, 2)]
    assert small.counts_of([3, 7, 9]) == many.counts_of([3, 7, 9]) == [(3, 1), (7, 0), (9, 3)]


def test_a_slip_in_a_trade_name_is_found_among_many_one_slip_neighbours() -> None:
    # Forty enterprises whose trade names are one character from the query's (添启 + one more)
    # in other industries crowd out the one sought, unless its industry narrows the sound key.
    crowd = "安华美丰盛源和新泰嘉昌瑞博宏光平达兴顺通祥恒宇辰航远腾飞鸿云志维明力海万锦立悦程"
    listed = [
        ListedName(f"C{n}{industry}", "legal_person", f"苏州市添{char}启{industry}有限公司")
        for n, char in enumerate(crowd)
        for industry in ("科技", "贸易")
    ]
    listed.append(ListedName("WANTED", "legal_person", "苏州市添腾启软件有限公司"))
    found = MatchIndex.build(listed).screen(ScreeningQuery(name="苏州市添启软件有限公司"))
    assert [match.entry_id for match in found] == ["WANTED"]

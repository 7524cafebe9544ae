"""Blocking finds a Latin name by each of its words, one typo away, among many similar names."""

from __future__ import annotations

from registry.screening.matching import ListedName, MatchIndex, ScreeningQuery

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

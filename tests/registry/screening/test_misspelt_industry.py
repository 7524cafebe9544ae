"""A misspelt industry word after a found trade name weighs as an industry word, no more."""

from __future__ import annotations

from registry.screening.matching import ListedName, MatchIndex, ScreeningQuery

LISTED = [
    ListedName("WANPU", "legal_person", "昆山市万普科技集团有限公司", region="320583"),
    ListedName("WALDWELL", "legal_person", "Waldwell Energy Pte. Ltd."),
]


def _score(name: str, entry_id: str) -> float:
    index = MatchIndex.build(LISTED)
    found = index.screen(ScreeningQuery(name=name), threshold=0.0)
    return next((m.score for m in found if m.entry_id == entry_id), 0.0)


def test_a_misspelt_industry_word_keeps_the_match() -> None:
    assert _score("Wanpu Krji", "WANPU") >= 0.8  # keji misspelt
    assert _score("Waldwell Eenrgey", "WALDWELL") >= 0.8  # energy with two slips


def test_another_word_after_the_trade_name_is_not_taken_for_the_industry() -> None:
    assert _score("Wanpu Zhongxin", "WANPU") < 0.8
    assert _score("Waldwell Logistics", "WALDWELL") < 0.8


def test_a_query_industry_word_is_not_taken_for_the_end_of_a_personal_name() -> None:
    index = MatchIndex.build([ListedName("P", "natural_person", "程佳芳")])
    found = index.screen(ScreeningQuery(name="Chaengjia Fangzhi"), threshold=0.0)
    assert all(match.score < 0.8 for match in found)

"""The Chinese text of a holding ground's explanation: the primary text of a published entry.

Pure, like the engine that calls it. Each function says in Chinese what the English explanation
of the same ground says, naming decisions by document number, never by internal id.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from registry.listings.facts import CaseFacts

KIND_ZH = {
    "administrative_ruling": "行政裁决",
    "court_judgment": "人民法院判决",
    "administrative_penalty": "行政处罚决定",
    "cnipa_determination": "国家知识产权局认定决定",
    "provincial_determination": "省级知识产权管理部门认定决定",
}


def zh_date(day: date) -> str:
    """A date as Chinese text: 2024年9月1日."""
    return f"{day.year}年{day.month}月{day.day}日"


def _label(case: CaseFacts) -> str:
    return f"{KIND_ZH[case.kind]}{case.document_number}"


def _effective(case: CaseFacts) -> str:
    assert case.effective_on is not None  # only counted cases are explained
    return zh_date(case.effective_on)


def repeat(
    earlier: CaseFacts, later: CaseFacts, patents: Sequence[str], years: int, since: date
) -> str:
    """Why repeat infringement holds: the earlier finding, the later act after it, the window."""
    assert later.act_start is not None  # a repetition always has a known act start
    return (
        f"{_label(earlier)}认定侵犯专利权（专利号{'、'.join(patents)}），于{_effective(earlier)}"
        f"生效；{_label(later)}所涉侵权行为始于{zh_date(later.act_start)}，在前一认定生效之后，"
        f"并被认定侵犯同一专利权，于{_effective(later)}生效；两者均在自{zh_date(since)}起的"
        f"{years}年回溯期内。"
    )


def deliberate(cases: Sequence[CaseFacts]) -> str:
    """Why deliberate infringement holds: each court judgment and what it found."""
    sentences = []
    for case in cases:
        found = "、".join(
            words
            for held, words in [
                (case.deliberate, "认定故意侵权"),
                (case.punitive_damages, "判处惩罚性赔偿"),
            ]
            if held
        )
        sentences.append(f"{_label(case)}{found}，于{_effective(case)}生效。")
    return "".join(sentences)


def refusal(cases: Sequence[CaseFacts]) -> str:
    """Why refusal to perform holds: each decision, its passed deadline and the refusal."""
    sentences = []
    for case in cases:
        assert case.performance_deadline is not None  # a refusal holds only past its deadline
        sentences.append(
            f"{_label(case)}于{_effective(case)}生效，确定的履行期限"
            f"{zh_date(case.performance_deadline)}已届满，当事人拒不履行。"
        )
    return "".join(sentences)


def determination(cases: Sequence[CaseFacts], conduct_zh: str) -> str:
    """Why a determination type holds: each determination, its authority and the conduct."""
    return "".join(
        f"{_label(c)}（{c.authority}）认定存在{conduct_zh}，于{_effective(c)}生效。" for c in cases
    )

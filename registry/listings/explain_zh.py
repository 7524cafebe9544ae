"""The Chinese text of the engine's explanations.

A holding ground's explanation is the primary text of a published entry (`repeat`,
`deliberate`, `refusal`, `determination`). Why a ground does not hold, and why a case is set
aside, is read only in the console (the functions after `KIND_LABEL_ZH`): those name the case
kinds with the console's Chinese labels and give dates as the console shows them (2026-12-06).

Pure, like the engine that calls it. Each function says in Chinese what the English explanation
of the same ground says, naming decisions by document number, never by internal id.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from registry.listings.facts import CaseFacts, NotCounted

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


# The console's Chinese labels of the case kinds (api/site/labels.py CASE_KINDS in zh).
KIND_LABEL_ZH = {
    "administrative_ruling": "专利侵权纠纷行政裁决",
    "court_judgment": "法院判决",
    "administrative_penalty": "行政处罚",
    "cnipa_determination": "国家知识产权局认定决定",
    "provincial_determination": "省级知识产权管理部门认定决定",
}


def _named(case: CaseFacts) -> str:
    return f"{KIND_LABEL_ZH[case.kind]}{case.document_number}"


def _day(day: date) -> str:
    return day.isoformat()


# Why a ground does not hold, in Chinese, for the console only; never published.
def no_finding(on: date) -> str:
    return f"截至{_day(on)}，没有可计入的已生效侵犯专利权认定。"


def one_finding(case: CaseFacts) -> str:
    return f"仅有一项可计入的已生效侵犯专利权认定（{_named(case)}）。"


def outside_window(years: int, since: date) -> str:
    return f"每一次重复侵权所依据的在先认定，都在自{_day(since)}起的{years}年回溯期之前生效。"


def unknown_start(case: CaseFacts) -> str:
    return f"{_named(case)}所涉行为没有记录开始日期，无法证明其始于在先认定生效之后，不予计入"


def other_patents(case: CaseFacts) -> str:
    return f"{_named(case)}不涉及在先认定中的任何专利"


def too_early(case: CaseFacts, effective_on: date, act_start: date) -> str:
    return f"{_named(case)}于{_day(effective_on)}生效，其所涉行为始于{_day(act_start)}"


def not_repeated(details: Sequence[str]) -> str:
    return (
        f"没有在对该主体的在先侵权认定生效之后开始、侵犯同一专利权的行为（{'；'.join(details)}）。"
    )


def no_deliberate(on: date, not_courts: Sequence[CaseFacts]) -> str:
    cannot = "".join(
        f"；{_named(c)}不是法院判决，不能作出该认定（专利法第七十一条）" for c in not_courts
    )
    return f"截至{_day(on)}，没有认定故意侵权或判处惩罚性赔偿的已生效法院判决可计入{cannot}。"


def not_counted_kind(case: CaseFacts) -> str:
    return f"{_named(case)}不属于本类型可计入的文书"


def no_deadline(case: CaseFacts) -> str:
    return f"{_named(case)}没有记录履行期限"


def deadline_open(case: CaseFacts, deadline: date) -> str:
    return f"{_named(case)}的履行期限{_day(deadline)}尚未届满"


def deadline_before_effect(case: CaseFacts, deadline: date, effective_on: date) -> str:
    return f"{_named(case)}的履行期限{_day(deadline)}早于其生效日期{_day(effective_on)}"


def no_refusal(why_not: Sequence[str]) -> str:
    return (
        "没有已生效的行政裁决或行政处罚在履行期限届满后被拒不履行"
        + "".join(f"；{w}" for w in why_not)
        + "。"
    )


def no_determination(on: date, conduct_zh: str, not_basis: Sequence[CaseFacts]) -> str:
    others = "".join(f"；{_named(c)}不是本名单类型所依据的文书" for c in not_basis)
    return f"截至{_day(on)}，没有认定存在{conduct_zh}的已生效认定决定可计入{others}。"


def not_counted(why: NotCounted) -> str:
    """Why a case is set aside on the evaluation day, in Chinese."""
    code, day = why
    on = _day(day) if day else ""
    return {
        "revoked": f"已于{on}撤销",
        "not_final": "尚未生效",
        "effective_later": f"尚未生效（将于{on}生效）",
        "patents_invalid": f"所涉专利均已被宣告全部无效（最后一项于{on}宣告）",
    }[code]

"""The Chinese the console shows for grounds that do not hold and for cases set aside."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from registry.errors import InvalidValue
from registry.listings.rules import (
    CaseFacts,
    PatentInvalidation,
    RulesConfig,
    check_proposal_grounds,
    evaluate,
)
from tests.registry.listings.case_facts import FIRST, ON, PATENT, SECOND, case


def repeat_zh(cases: list[CaseFacts], on: date = ON, config: RulesConfig | None = None) -> str:
    result = evaluate(cases, on, config).grounds["repeat_infringement"]
    assert not result.holds
    assert result.explanation_zh == ""  # nothing to publish for a ground that does not hold
    return result.text_zh


def test_no_finding() -> None:
    assert repeat_zh([]) == "截至2026-06-01，没有可计入的已生效侵犯专利权认定。"


def test_one_finding_names_the_decision_with_its_kind() -> None:
    assert repeat_zh([FIRST]) == (
        "仅有一项可计入的已生效侵犯专利权认定（专利侵权纠纷行政裁决闽知裁字〔2023〕1号）。"
    )


def test_repetition_before_the_look_back() -> None:
    old_first = case(
        1, act_start=date(2019, 1, 1), decided_on=date(2020, 1, 5), effective_on=date(2020, 2, 1)
    )
    old_second = case(
        2, act_start=date(2020, 6, 1), decided_on=date(2021, 1, 5), effective_on=date(2021, 2, 1)
    )
    assert repeat_zh([old_first, old_second]) == (
        "每一次重复侵权所依据的在先认定，都在自2021-06-01起的5年回溯期之前生效。"
    )


def test_each_later_finding_says_what_it_lacks() -> None:
    unknown = replace(SECOND, act_start=None)
    assert repeat_zh([FIRST, unknown]) == (
        "没有在对该主体的在先侵权认定生效之后开始、侵犯同一专利权的行为"
        "（专利侵权纠纷行政裁决闽知裁字〔2023〕2号所涉行为没有记录开始日期，"
        "无法证明其始于在先认定生效之后，不予计入）。"
    )
    other = replace(SECOND, patents=("ZL201620123456.1",))
    assert "专利侵权纠纷行政裁决闽知裁字〔2023〕2号不涉及在先认定中的任何专利" in repeat_zh(
        [FIRST, other]
    )
    early = replace(SECOND, act_start=date(2023, 1, 10))
    assert "闽知裁字〔2023〕2号于2024-09-01生效，其所涉行为始于2023-01-10" in repeat_zh(
        [FIRST, early]
    )


def test_deliberate_not_found_and_findings_a_ruling_cannot_make() -> None:
    ruling = replace(SECOND, deliberate=True)
    result = evaluate([ruling], ON).grounds["deliberate_infringement"]
    assert not result.holds
    assert result.text_zh == (
        "截至2026-06-01，没有认定故意侵权或判处惩罚性赔偿的已生效法院判决可计入；"
        "专利侵权纠纷行政裁决闽知裁字〔2023〕2号不是法院判决，不能作出该认定"
        "（专利法第七十一条）。"
    )


def refused(case_id: int, deadline: date | None, **facts: Any) -> CaseFacts:
    return case(case_id, performance_deadline=deadline, performance_status="refused", **facts)


def test_refusal_reasons() -> None:
    cases = [
        refused(5, None),
        refused(6, date(2023, 4, 1), kind="court_judgment"),
        refused(7, date(2026, 7, 1)),
        refused(8, date(2023, 2, 1)),
    ]
    result = evaluate(cases, ON).grounds["refusal_to_perform"]
    assert not result.holds
    assert result.text_zh == (
        "没有已生效的行政裁决或行政处罚在履行期限届满后被拒不履行；"
        "专利侵权纠纷行政裁决闽知裁字〔2023〕5号没有记录履行期限；"
        "法院判决闽知裁字〔2023〕6号不属于本类型可计入的文书；"
        "专利侵权纠纷行政裁决闽知裁字〔2023〕7号的履行期限2026-07-01尚未届满；"
        "专利侵权纠纷行政裁决闽知裁字〔2023〕8号的履行期限2023-02-01早于其生效日期2023-03-01。"
    )


def test_determination_not_found_and_the_wrong_level() -> None:
    provincial = CaseFacts(
        case_id=2,
        document_number="闽知保决字〔2025〕2号",
        kind="provincial_determination",
        authority="福建省知识产权局",
        decided_on=date(2025, 3, 1),
        effective_on=date(2025, 3, 1),
        conduct="abnormal_application",
    )
    result = evaluate([provincial], ON).grounds["abnormal_application"]
    assert not result.holds
    assert result.text_zh == (
        "截至2026-06-01，没有认定存在非正常申请专利行为的已生效认定决定可计入；"
        "省级知识产权管理部门认定决定闽知保决字〔2025〕2号不是本名单类型所依据的文书。"
    )
    nothing = evaluate([], ON).grounds["false_documents"]
    assert nothing.text_zh == "截至2026-06-01，没有认定存在提供虚假文件行为的已生效认定决定可计入。"


def test_a_holding_ground_reads_its_published_text() -> None:
    result = evaluate([FIRST, SECOND], ON).grounds["repeat_infringement"]
    assert result.holds
    assert result.text_zh == result.explanation_zh
    assert result.reason_zh == ""


def test_set_aside_reasons_in_both_languages() -> None:
    revoked = case(1, revoked_on=date(2025, 1, 2))
    not_final = case(2, effective_on=None)
    later = case(3, decided_on=date(2026, 5, 1), effective_on=date(2026, 7, 1))
    invalid = case(
        4,
        patents=(PATENT, "ZL201620123456.1"),
        invalidated_patents=(
            PatentInvalidation(PATENT, date(2024, 1, 5)),
            PatentInvalidation("ZL201620123456.1", date(2025, 3, 6)),
        ),
    )
    reasons = {
        s.case_id: (s.reason, s.reason_zh)
        for s in evaluate([revoked, not_final, later, invalid], ON).set_aside
    }
    assert reasons == {
        1: ("revoked on 2025-01-02", "已于2025-01-02撤销"),
        2: ("not yet effective", "尚未生效"),
        3: (
            "not yet effective (becomes effective on 2026-07-01)",
            "尚未生效（将于2026-07-01生效）",
        ),
        4: (
            "every patent declared wholly invalid (the last on 2025-03-06)",
            "所涉专利均已被宣告全部无效（最后一项于2025-03-06宣告）",
        ),
    }


def test_a_refused_proposal_carries_its_reasons_in_chinese_too() -> None:
    evaluation = evaluate([FIRST, replace(SECOND, revoked_on=date(2026, 1, 1))], ON)
    with pytest.raises(InvalidValue) as raised:
        check_proposal_grounds({"repeat_infringement", "refusal_to_perform"}, evaluation)
    params = raised.value.params
    assert params["explanation_zh"] == (
        "没有已生效的行政裁决或行政处罚在履行期限届满后被拒不履行。"
    )
    assert params["more_zh"] == (
        "重复专利侵权行为在2026-06-01不成立：仅有一项可计入的已生效侵犯专利权认定"
        "（专利侵权纠纷行政裁决闽知裁字〔2023〕1号）。不予考虑：案件2，已于2026-01-01撤销。"
    )
    # The English reason is as before.
    assert raised.value.reason.startswith(
        "refusal_to_perform does not hold on 2026-06-01: no effective ruling"
    )

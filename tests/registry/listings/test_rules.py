"""The rules engine: grounds for listing, their explanations, and proposal checks."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.errors import InvalidValue
from registry.listings.rules import (
    CaseFacts,
    CitedDate,
    PatentInvalidation,
    RulesConfig,
    check_findings,
    check_proposal_grounds,
    evaluate,
    grounds_holding,
)
from tests.registry.listings.case_facts import FIRST, ON, PATENT, SECOND, case

# --- repeat infringement -------------------------------------------------------------------


def test_repeat_holds_when_the_second_act_began_after_the_first_finding() -> None:
    result = evaluate([FIRST, SECOND], ON).grounds["repeat_infringement"]
    assert result.holds
    assert result.case_ids == (1, 2)
    assert result.dates == (
        CitedDate(1, "effective_on", date(2023, 3, 1)),
        CitedDate(2, "act_start", date(2024, 2, 10)),
        CitedDate(2, "effective_on", date(2024, 9, 1)),
    )


def test_repeat_explanation_in_chinese_names_documents_and_dates() -> None:
    text = evaluate([FIRST, SECOND], ON).grounds["repeat_infringement"].explanation_zh
    assert text == (
        "行政裁决闽知裁字〔2023〕1号认定侵犯专利权（专利号ZL201510123456.7），于2023年3月1日生效；"
        "行政裁决闽知裁字〔2023〕2号所涉侵权行为始于2024年2月10日，在前一认定生效之后，"
        "并被认定侵犯同一专利权，于2024年9月1日生效；两者均在自2021年6月1日起的5年回溯期内。"
    )


def test_repeat_explanation_names_cases_and_dates() -> None:
    text = evaluate([FIRST, SECOND], ON).grounds["repeat_infringement"].explanation
    assert text == (
        "Decision 闽知裁字〔2023〕1号 found infringement of patent ZL201510123456.7 effective "
        "2023-03-01; the act in decision 闽知裁字〔2023〕2号 began 2024-02-10, after that "
        "finding, and was found infringing the same patent effective 2024-09-01; "
        "both within the 5-year look-back starting 2021-06-01."
    )


def test_second_act_that_began_before_the_first_finding_is_not_a_repeat() -> None:
    # Sued twice for acts that both predate the first decision: no "again after a decision".
    early_act = replace(SECOND, act_start=date(2023, 2, 20))
    evaluation = evaluate([FIRST, early_act], ON)
    result = evaluation.grounds["repeat_infringement"]
    assert not result.holds
    assert result.case_ids == ()
    assert "no infringement of the same patent began after an earlier finding" in (
        result.explanation
    )
    assert "decision 闽知裁字〔2023〕2号 effective 2024-09-01, its act began 2023-02-20" in (
        result.explanation
    )


def test_act_on_the_day_the_finding_became_effective_is_not_after_it() -> None:
    same_day = replace(SECOND, act_start=FIRST.effective_on)
    assert not evaluate([FIRST, same_day], ON).grounds["repeat_infringement"].holds


def test_unknown_act_start_is_not_counted_and_the_explanation_says_why() -> None:
    """The decision date is not presumed to be the act's start: that is against the subject."""
    unknown_start = replace(SECOND, act_start=None)
    result = evaluate([FIRST, unknown_start], ON).grounds["repeat_infringement"]
    assert not result.holds
    assert result.explanation == (
        "no infringement of the same patent began after an earlier finding against the subject "
        "took effect (the act in decision 闽知裁字〔2023〕2号 has no recorded start, so it cannot "
        "be shown to have begun after an earlier finding took effect and is not counted)."
    )


def test_infringing_another_patent_is_not_a_repeat() -> None:
    other_patent = replace(SECOND, patents=("ZL201620123456.1",))
    result = evaluate([FIRST, other_patent], ON).grounds["repeat_infringement"]
    assert not result.holds
    assert "decision 闽知裁字〔2023〕2号 concerns no patent of an earlier finding" in (
        result.explanation
    )
    # One shared patent among several is enough, and the explanation names it.
    both = replace(SECOND, patents=("ZL201620123456.1", PATENT))
    held = evaluate([FIRST, both], ON).grounds["repeat_infringement"]
    assert held.holds
    assert f"infringement of patent {PATENT} effective 2023-03-01" in held.explanation


def test_findings_outside_the_look_back_window() -> None:
    old_first = case(
        1, act_start=date(2019, 1, 1), decided_on=date(2020, 1, 5), effective_on=date(2020, 2, 1)
    )
    old_second = case(
        2, act_start=date(2020, 6, 1), decided_on=date(2021, 1, 5), effective_on=date(2021, 2, 1)
    )
    result = evaluate([old_first, old_second], ON).grounds["repeat_infringement"]
    assert not result.holds
    assert "before the 5-year look-back starting 2021-06-01" in result.explanation
    # The same pair holds with a longer look-back, and held back when it was recent.
    assert (
        evaluate([old_first, old_second], ON, RulesConfig(lookback_years=7))
        .grounds["repeat_infringement"]
        .holds
    )
    assert evaluate([old_first, old_second], date(2024, 6, 1)).grounds["repeat_infringement"].holds


def test_window_boundary_is_inclusive() -> None:
    first = replace(
        FIRST,
        decided_on=date(2021, 5, 1),
        effective_on=date(2021, 6, 1),
        act_start=date(2021, 1, 1),
    )
    assert evaluate([first, SECOND], ON).grounds["repeat_infringement"].holds
    assert (
        not evaluate([first, SECOND], ON + timedelta(days=1)).grounds["repeat_infringement"].holds
    )


def test_a_single_finding_is_not_a_repeat() -> None:
    result = evaluate([FIRST], ON).grounds["repeat_infringement"]
    assert not result.holds
    assert result.explanation == (
        "only one effective infringement finding counts (decision 闽知裁字〔2023〕1号)."
    )
    nothing = evaluate([], ON).grounds["repeat_infringement"]
    assert nothing.explanation == "no effective infringement finding counts on 2026-06-01."


def test_cases_without_a_finding_of_infringement_do_not_count() -> None:
    dismissed = replace(SECOND, infringement_found=False)
    assert not evaluate([FIRST, dismissed], ON).grounds["repeat_infringement"].holds


def test_the_most_recent_repetition_is_cited() -> None:
    third = case(
        3, act_start=date(2025, 3, 1), decided_on=date(2025, 6, 1), effective_on=date(2025, 7, 1)
    )
    result = evaluate([FIRST, SECOND, third], ON).grounds["repeat_infringement"]
    assert result.case_ids == (2, 3)


# --- cases that stop counting ----------------------------------------------------------------


def test_revoked_case_counts_before_revocation_and_not_after() -> None:
    revoked = replace(SECOND, revoked_on=date(2025, 11, 20))
    assert evaluate([FIRST, revoked], date(2025, 11, 19)).grounds["repeat_infringement"].holds
    after = evaluate([FIRST, revoked], date(2025, 11, 20))
    assert not after.grounds["repeat_infringement"].holds
    assert [(s.case_id, s.reason) for s in after.set_aside] == [(2, "revoked on 2025-11-20")]


def test_not_yet_effective_case_is_set_aside() -> None:
    pending_appeal = replace(SECOND, effective_on=None)
    evaluation = evaluate([FIRST, pending_appeal], ON)
    assert not evaluation.grounds["repeat_infringement"].holds
    assert [(s.case_id, s.reason) for s in evaluation.set_aside] == [(2, "not yet effective")]


def test_case_effective_later_counts_from_its_effective_date() -> None:
    becomes_final = replace(SECOND, effective_on=date(2026, 7, 1))
    before = evaluate([FIRST, becomes_final], ON)
    assert not before.grounds["repeat_infringement"].holds
    assert before.set_aside[0].reason == "not yet effective (becomes effective on 2026-07-01)"
    assert evaluate([FIRST, becomes_final], date(2026, 7, 1)).grounds["repeat_infringement"].holds


def test_case_whose_every_patent_was_invalidated_no_longer_counts() -> None:
    other = "ZL201620654321.0"
    two_patents = replace(
        SECOND,
        patents=(PATENT, other),
        invalidated_patents=(
            PatentInvalidation(PATENT, date(2025, 4, 1)),
            PatentInvalidation(other, date(2025, 10, 1)),
        ),
    )
    # One patent left standing: the case still counts.
    assert evaluate([FIRST, two_patents], date(2025, 9, 30)).grounds["repeat_infringement"].holds
    after = evaluate([FIRST, two_patents], date(2025, 10, 1))
    assert not after.grounds["repeat_infringement"].holds
    assert (
        after.set_aside[0].reason == "every patent declared wholly invalid (the last on 2025-10-01)"
    )


def test_several_subjects_sharing_a_patent_do_not_affect_each_other() -> None:
    # Subject B infringed the same patent after subject A's finding; A is still a one-time
    # infringer. Cases are evaluated per subject, so B's cases are never in A's evaluation.
    subject_a = [FIRST]
    subject_b = [
        case(
            11,
            document_number="闽知裁字〔2024〕11号",
            act_start=date(2023, 6, 1),
            decided_on=date(2023, 9, 1),
            effective_on=date(2023, 10, 1),
        ),
        case(
            12,
            document_number="闽知裁字〔2024〕12号",
            act_start=date(2024, 1, 5),
            decided_on=date(2024, 5, 1),
            effective_on=date(2024, 6, 1),
        ),
    ]
    alone = evaluate(subject_a, ON)
    assert grounds_holding(evaluate(subject_b, ON)) == {"repeat_infringement"}
    assert grounds_holding(alone) == set()
    assert evaluate(subject_a, ON) == alone
    # Mixing B's cases into A's (a caller error) is exactly what would list A wrongly.
    assert "repeat_infringement" in grounds_holding(evaluate(subject_a + subject_b, ON))


def test_the_same_case_cited_twice_counts_once() -> None:
    evaluation = evaluate([FIRST, FIRST], ON)
    assert not evaluation.grounds["repeat_infringement"].holds
    assert evaluation == evaluate([FIRST], ON)


def test_one_case_id_with_different_facts_is_refused() -> None:
    with pytest.raises(InvalidValue) as raised:
        evaluate([FIRST, replace(FIRST, deliberate=True)], ON)
    assert raised.value.field == "cases"
    assert "case 1 is given twice with different facts" in raised.value.reason


def test_one_decision_recorded_under_two_ids_is_refused() -> None:
    copy = replace(SECOND, document_number=FIRST.document_number)
    with pytest.raises(InvalidValue) as raised:
        evaluate([copy, FIRST], ON)
    assert raised.value.reason.startswith("cases 1 and 2 both record document")


# --- deliberate infringement ------------------------------------------------------------------


def test_deliberate_finding_holds_with_explanation() -> None:
    wilful = replace(SECOND, kind="court_judgment", deliberate=True, punitive_damages=True)
    result = evaluate([wilful], ON).grounds["deliberate_infringement"]
    assert result.holds
    assert result.case_ids == (2,)
    assert result.dates == (CitedDate(2, "effective_on", date(2024, 9, 1)),)
    assert result.explanation == (
        "Decision 闽知裁字〔2023〕2号 found deliberate infringement and awarded punitive "
        "damages, effective 2024-09-01."
    )


def test_punitive_damages_alone_are_enough() -> None:
    punitive = replace(SECOND, kind="court_judgment", punitive_damages=True)
    result = evaluate([punitive], ON).grounds["deliberate_infringement"]
    assert result.holds
    assert "awarded punitive damages, effective 2024-09-01" in result.explanation


def test_deliberate_finding_not_yet_effective_does_not_hold() -> None:
    on_appeal = replace(SECOND, kind="court_judgment", deliberate=True, effective_on=None)
    result = evaluate([on_appeal], ON).grounds["deliberate_infringement"]
    assert not result.holds
    assert "no effective court judgment finding deliberate infringement" in result.explanation


def test_deliberate_findings_of_administrative_rulings_do_not_count() -> None:
    """Recorded before the kind was checked: never counted, and the explanation says why."""
    ruling = replace(SECOND, deliberate=True)
    result = evaluate([ruling], ON).grounds["deliberate_infringement"]
    assert not result.holds
    assert (
        "decision 闽知裁字〔2023〕2号 is an administrative ruling, which cannot make that finding "
        "(Patent Law art. 71)" in result.explanation
    )


@pytest.mark.parametrize(
    ("kind", "findings", "field", "words"),
    [
        ("administrative_ruling", {"punitive_damages": True}, "punitive_damages", "art. 71"),
        ("administrative_penalty", {"punitive_damages": True}, "punitive_damages", "damages"),
        ("administrative_ruling", {"deliberate": True}, "deliberate", "court judgment"),
    ],
)
def test_findings_only_a_court_can_make_are_refused_on_other_kinds(
    kind: str, findings: dict[str, bool], field: str, words: str
) -> None:
    facts = {"deliberate": False, "punitive_damages": False, **findings}
    with pytest.raises(InvalidValue) as raised:
        check_findings(kind, **facts)
    assert raised.value.field == field
    assert words in raised.value.reason
    check_findings("court_judgment", deliberate=True, punitive_damages=True)


# --- refusal to perform ---------------------------------------------------------------------


def refused(case_id: int, deadline: date | None, **facts: Any) -> CaseFacts:
    return case(case_id, performance_deadline=deadline, performance_status="refused", **facts)


def test_refusal_after_the_deadline_holds() -> None:
    result = evaluate([refused(5, date(2023, 4, 1))], ON).grounds["refusal_to_perform"]
    assert result.holds
    assert result.case_ids == (5,)
    assert result.dates == (
        CitedDate(5, "effective_on", date(2023, 3, 1)),
        CitedDate(5, "performance_deadline", date(2023, 4, 1)),
    )
    assert "performance deadline of 2023-04-01 that has passed" in result.explanation
    assert result.explanation_zh == (
        "行政裁决闽知裁字〔2023〕5号于2023年3月1日生效，确定的履行期限2023年4月1日已届满，"
        "当事人拒不履行。"
    )


def test_refusal_with_deadline_not_yet_passed_does_not_hold() -> None:
    for deadline in (ON, date(2026, 7, 1)):
        result = evaluate([refused(5, deadline)], ON).grounds["refusal_to_perform"]
        assert not result.holds
        assert (
            f"the performance deadline {deadline} of decision 闽知裁字〔2023〕5号"
            in result.explanation
        )
    # The day after the deadline, it holds.
    assert evaluate([refused(5, ON)], ON + timedelta(days=1)).grounds["refusal_to_perform"].holds


def test_refusal_needs_a_deadline_and_an_administrative_decision() -> None:
    no_deadline = refused(5, None)
    judgment = refused(6, date(2023, 4, 1), kind="court_judgment")
    result = evaluate([no_deadline, judgment], ON).grounds["refusal_to_perform"]
    assert not result.holds
    assert "decision 闽知裁字〔2023〕5号 has no performance deadline" in result.explanation
    assert "is a court judgment, which does not count" in result.explanation


def test_pending_performance_past_the_deadline_is_not_refusal() -> None:
    pending = case(5, performance_deadline=date(2023, 4, 1), performance_status="pending")
    assert not evaluate([pending], ON).grounds["refusal_to_perform"].holds


# --- proposals ------------------------------------------------------------------------------


def test_grounds_holding_and_a_valid_proposal() -> None:
    evaluation = evaluate([FIRST, SECOND], ON)
    assert grounds_holding(evaluation) == {"repeat_infringement"}
    check_proposal_grounds({"repeat_infringement"}, evaluation)


def test_proposal_citing_grounds_that_do_not_hold_names_each() -> None:
    evaluation = evaluate([FIRST, SECOND], ON)
    with pytest.raises(InvalidValue) as raised:
        check_proposal_grounds(
            {"repeat_infringement", "deliberate_infringement", "refusal_to_perform"}, evaluation
        )
    assert raised.value.field == "grounds"
    reason = raised.value.reason
    assert "deliberate_infringement does not hold on 2026-06-01" in reason
    assert "refusal_to_perform does not hold on 2026-06-01" in reason
    assert "repeat_infringement" not in reason


def test_proposal_rejection_names_the_cases_set_aside() -> None:
    evaluation = evaluate([FIRST, replace(SECOND, revoked_on=date(2026, 1, 1))], ON)
    with pytest.raises(InvalidValue) as raised:
        check_proposal_grounds({"repeat_infringement"}, evaluation)
    assert raised.value.reason == (
        "repeat_infringement does not hold on 2026-06-01: only one effective infringement "
        "finding counts (decision 闽知裁字〔2023〕1号). Set aside: case 2, revoked on 2026-01-01."
    )


@pytest.mark.parametrize(
    ("requested", "fragment"),
    [(set(), "cite at least one ground"), ({"rude"}, "unknown ground rude")],
)
def test_proposal_with_no_or_unknown_grounds(requested: set[str], fragment: str) -> None:
    with pytest.raises(InvalidValue) as raised:
        check_proposal_grounds(requested, evaluate([FIRST, SECOND], ON))
    assert fragment in raised.value.reason


# --- input validation -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("facts", "field"),
    [
        ({"kind": "verdict"}, "kind"),
        ({"performance_status": "maybe"}, "performance_status"),
        ({"effective_on": date(2023, 1, 1)}, "effective_on"),
        ({"act_start": date(2023, 2, 2)}, "decided_on"),
        ({"act_end": date(2022, 1, 1)}, "act_end"),
        ({"revoked_on": date(2022, 1, 1)}, "revoked_on"),
        ({"performance_deadline": date(2023, 1, 1)}, "performance_deadline"),
        ({"infringement_found": False, "deliberate": True}, "infringement_found"),
        ({"document_number": "  "}, "document_number"),
        (
            {"invalidated_patents": (PatentInvalidation("ZL1", date(2024, 1, 1)),)},
            "invalidated_patents",
        ),
    ],
)
def test_invalid_case_facts_name_the_field(facts: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidValue) as raised:
        case(7, **facts)
    assert raised.value.field == field


def test_invalid_rules_config() -> None:
    with pytest.raises(InvalidValue) as raised:
        RulesConfig(lookback_years=0)
    assert raised.value.field == "lookback_years"
    with pytest.raises(InvalidValue) as raised:
        RulesConfig(list_types=())
    assert raised.value.field == "list_types"


# --- properties -----------------------------------------------------------------------------

DAY_ZERO = date(2019, 1, 1)


@st.composite
def case_facts(draw: st.DrawFn, case_id: int) -> CaseFacts:
    decided = DAY_ZERO + timedelta(days=draw(st.integers(0, 2000)))

    def sometimes(low: int, high: int, sign: int = 1, quarters: int = 2) -> date | None:
        # A date `quarters` times in four (else None): decided +/- [low, high] days.
        if draw(st.integers(1, 4)) > quarters:
            return None
        return decided + sign * timedelta(days=draw(st.integers(low, high)))

    deliberate = draw(st.booleans())
    return CaseFacts(
        case_id=case_id,
        document_number=f"DOC-{case_id}",
        kind=draw(
            st.sampled_from(("administrative_ruling", "court_judgment", "administrative_penalty"))
        ),
        authority="Fujian IP Office",
        decided_on=decided,
        effective_on=sometimes(0, 90, quarters=3),
        act_start=sometimes(0, 300, sign=-1, quarters=3),
        patents=(PATENT,),
        infringement_found=deliberate or draw(st.integers(0, 3)) > 0,
        deliberate=deliberate,
        performance_deadline=sometimes(0, 200),
        performance_status=draw(st.sampled_from(("performed", "pending", "refused"))),
        revoked_on=sometimes(0, 600, quarters=1),
    )


@st.composite
def subject_cases(draw: st.DrawFn) -> list[CaseFacts]:
    count = draw(st.integers(0, 5))
    return [draw(case_facts(case_id)) for case_id in range(1, count + 1)]


evaluation_days = st.integers(1200, 3000).map(lambda d: DAY_ZERO + timedelta(days=d))


@settings(max_examples=60, deadline=None)
@given(cases=subject_cases(), on=evaluation_days, data=st.data())
def test_evaluation_ignores_order_and_repetition(
    cases: list[CaseFacts], on: date, data: st.DataObject
) -> None:
    shuffled = data.draw(st.permutations(cases + cases[:2]))
    assert evaluate(shuffled, on) == evaluate(cases, on)


@settings(max_examples=60, deadline=None)
@given(cases=subject_cases(), on=evaluation_days, data=st.data())
def test_adding_a_revoked_case_never_adds_a_ground(
    cases: list[CaseFacts], on: date, data: st.DataObject
) -> None:
    extra = data.draw(case_facts(99))
    if extra.decided_on <= on:
        revoked = replace(extra, revoked_on=data.draw(st.dates(extra.decided_on, on)))
    else:
        revoked = replace(
            extra,
            decided_on=on,
            effective_on=None,
            act_start=None,
            performance_deadline=None,
            revoked_on=on,
        )
    before = evaluate(cases, on)
    after = evaluate([*cases, revoked], on)
    assert grounds_holding(after) == grounds_holding(before)
    assert after.grounds == before.grounds


@settings(max_examples=60, deadline=None)
@given(cases=subject_cases(), on=evaluation_days)
def test_every_holding_ground_cites_counted_cases(cases: list[CaseFacts], on: date) -> None:
    evaluation = evaluate(cases, on)
    set_aside = {s.case_id for s in evaluation.set_aside}
    for result in evaluation.grounds.values():
        assert result.holds == bool(result.case_ids)
        assert not set(result.case_ids) & set_aside
        assert {d.case_id for d in result.dates} <= set(result.case_ids)
        assert all(d.on <= on for d in result.dates)
        # A holding ground has its published Chinese text, naming documents, never a case id.
        assert bool(result.explanation_zh) == result.holds
        assert all(f"case {case_id}" not in result.explanation_zh for case_id in result.case_ids)
        # Every ground reads in Chinese in the console, holding or not.
        assert result.text_zh
        assert bool(result.reason_zh) != result.holds
    assert all(s.reason and s.reason_zh for s in evaluation.set_aside)


def test_refusal_counts_only_once_the_ruling_is_effective() -> None:
    # Issue #17, finding 8: refused before the ruling took effect (deadline before effect).
    early = refused(5, date(2023, 2, 15))  # effective 2023-03-01
    result = evaluate([early], ON).grounds["refusal_to_perform"]
    assert not result.holds
    assert "2023-02-15 of decision" in result.explanation and "fell before it took effect" in (
        result.explanation
    )
    # Not effective yet on the day asked: the case is set aside, the ground does not hold.
    pending_appeal = refused(6, date(2023, 4, 1), effective_on=date(2026, 7, 1))
    assert not evaluate([pending_appeal], ON).grounds["refusal_to_perform"].holds

"""Grounds for listing: which rules hold for one subject's enforcement cases on a given day.

The engine is pure. The caller passes one subject's cases as `CaseFacts`; `evaluate` answers, for
each ground, whether it holds and which cases and dates make it hold, in a sentence a reviewer
can read and publish. Cases that do not count on the day (revoked, not yet effective, every
patent invalidated) are set aside with the reason. Explanations name decisions by their document
number, never by the registry's internal ids, because they are published.

The rules, and the texts they implement:
- repeat infringement (国知发保字〔2019〕52号, repeat patent infringement; CNIPA guiding case
  no. 6): the subject infringed the same patent again after an earlier finding of infringement
  against it took effect, the later act having begun after that date. A later act whose start
  is not recorded is not counted: it cannot be shown to have begun after the finding, and an
  unknown date is never presumed against the subject;
- deliberate infringement (this registry's policy type): a court judgment finding wilful
  infringement or awarding punitive damages (Patent Law art. 71: punitive damages for wilful
  infringement are set by the people's court). An administrative ruling cannot award damages
  (Patent Law art. 65: the patent administration department may only mediate the amount), so
  neither finding is accepted on one (`check_findings`);
- refusal to perform (国知发保字〔2019〕52号, refusal to perform): an effective administrative
  ruling or penalty whose performance deadline passed with performance refused;
- determination types (agency violations, certificate lending, abnormal applications, false
  documents): an effective determination by CNIPA or a provincial office finding the type's
  conduct. The engine does not judge the conduct; it checks that the document exists and counts.

Which grounds exist, and which case kinds each may rest on, come from the list-type files
(`RulesConfig.list_types`, registry/listings/list_types/).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from registry.errors import InvalidValue
from registry.listings import explain_zh
from registry.listings.calendar import add_years
from registry.listings.facts import (
    CONDUCT_WORDS,
    KIND_WORDS,
    CaseFacts,
    PatentInvalidation,
    check_conduct,
    check_findings,
    deduplicate,
    not_counted,
    reason_not_counted_text,
)
from registry.listings.list_types.loader import DETERMINATION, ListType, list_types_in

__all__ = ["CaseFacts", "PatentInvalidation", "check_conduct", "check_findings"]


@dataclass(frozen=True)
class RulesConfig:
    """Thresholds of the grounds; the defaults follow the published rules."""

    lookback_years: int = 5
    # One ground per list type; the shipped files unless the operator points elsewhere.
    list_types: tuple[ListType, ...] = field(default_factory=list_types_in)

    def __post_init__(self) -> None:
        if self.lookback_years < 1:
            raise InvalidValue(
                "lookback_years",
                "must be 1 or more, got %(lookback_years)s",
                lookback_years=self.lookback_years,
            )
        if not self.list_types:
            raise InvalidValue("list_types", "configure at least one list type")

    def list_type(self, code: str) -> ListType:
        """The list type `code`; InvalidValue("grounds") names the known ones otherwise."""
        for list_type in self.list_types:
            if list_type.code == code:
                return list_type
        known = ", ".join(t.code for t in self.list_types)
        raise InvalidValue(
            "grounds",
            "unknown ground %(code)s; expected one of %(known)s",
            code=code,
            known=known,
        )


@dataclass(frozen=True)
class CitedDate:
    """A date that makes a ground hold: which case, which of its fields, which day."""

    case_id: int
    field: str
    on: date


@dataclass(frozen=True)
class GroundResult:
    """Whether one ground holds, the cases and dates that make it hold, and why in words."""

    code: str
    holds: bool
    explanation: str
    case_ids: tuple[int, ...] = ()
    dates: tuple[CitedDate, ...] = ()
    explanation_zh: str = ""  # the published primary text, given when the ground holds
    reason_zh: str = ""  # why it does not hold, in Chinese: for the console, never published

    @property
    def text_zh(self) -> str:
        """The Chinese of `explanation`, holding or not."""
        return self.explanation_zh if self.holds else self.reason_zh


@dataclass(frozen=True)
class SetAsideCase:
    """A case that does not count on the evaluation day, and why."""

    case_id: int
    reason: str
    reason_zh: str = ""


@dataclass(frozen=True)
class Evaluation:
    """The outcome of `evaluate`: one `GroundResult` per ground code, and the cases set aside."""

    on: date
    grounds: Mapping[str, GroundResult]
    set_aside: tuple[SetAsideCase, ...] = ()
    names_zh: Mapping[str, str] = field(default_factory=dict)  # each ground's Chinese name


def evaluate(cases: Iterable[CaseFacts], on: date, config: RulesConfig | None = None) -> Evaluation:
    """Evaluate every ground for one subject's cases as they stand on day `on`."""
    cfg = config or RulesConfig()
    unique = deduplicate(cases)
    reasons = {case.case_id: not_counted(case, on) for case in unique}
    counted = [case for case in unique if reasons[case.case_id] is None]
    set_aside = [
        SetAsideCase(id_, reason_not_counted_text(why), explain_zh.not_counted(why))
        for id_, why in reasons.items()
        if why is not None
    ]
    return Evaluation(
        on=on,
        grounds={t.code: _ground(t, counted, on, cfg) for t in cfg.list_types},
        set_aside=tuple(set_aside),
        names_zh={t.code: t.name_zh for t in cfg.list_types},
    )


def grounds_holding(evaluation: Evaluation) -> set[str]:
    """The codes of the grounds that hold in `evaluation`."""
    return {code for code, result in evaluation.grounds.items() if result.holds}


def check_proposal_grounds(requested: set[str], evaluation: Evaluation) -> None:
    """Raise `InvalidValue("grounds", ...)` unless every requested ground holds."""
    if not requested:
        raise InvalidValue("grounds", "cite at least one ground for listing")
    unknown = sorted(requested - set(evaluation.grounds))
    if unknown:
        raise InvalidValue(
            "grounds",
            "unknown ground %(unknown)s; expected one of %(items)s",
            unknown=", ".join(unknown),
            items=", ".join(evaluation.grounds),
        )
    failing = [
        result
        for code, result in evaluation.grounds.items()
        if code in requested and not result.holds
    ]
    if failing:
        # Name the cases left out too: a revoked or pending case is often the missing piece.
        first, *others = failing
        on = evaluation.on.isoformat()
        more = [f"{r.code} does not hold on {on}: {r.explanation}" for r in others]
        more += [f"Set aside: case {s.case_id}, {s.reason}." for s in evaluation.set_aside]
        # The same in Chinese, for a reader of the console in Chinese (`<name>_zh` parameters).
        more_zh = [
            f"{evaluation.names_zh.get(r.code, r.code)}在{on}不成立：{r.reason_zh}" for r in others
        ]
        more_zh += [f"不予考虑：案件{s.case_id}，{s.reason_zh}。" for s in evaluation.set_aside]
        raise InvalidValue(
            "grounds",
            "%(ground)s does not hold on %(on)s: %(explanation)s%(more)s",
            ground=first.code,
            on=on,
            explanation=first.explanation,
            more="".join(f" {part}" for part in more),
            explanation_zh=first.reason_zh,
            more_zh="".join(more_zh),
        )


def _ground(
    list_type: ListType, counted: list[CaseFacts], on: date, cfg: RulesConfig
) -> GroundResult:
    kinds = set(list_type.basis_kinds)
    if list_type.rule == "repeat_infringement":
        return _repeat_infringement(list_type.code, kinds, counted, on, cfg)
    if list_type.rule == "deliberate_infringement":
        return _deliberate_infringement(list_type.code, kinds, counted, on)
    if list_type.rule == "refusal_to_perform":
        return _refusal_to_perform(list_type.code, kinds, counted, on)
    assert list_type.rule == DETERMINATION  # the loader admits no other rule
    return _determination(list_type, counted, on)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _effective(case: CaseFacts) -> date:
    # Only counted cases reach the grounds, and those all have an effective date.
    assert case.effective_on is not None
    return case.effective_on


def _act(case: CaseFacts) -> CitedDate | None:
    if case.act_start is not None:
        return CitedDate(case.case_id, "act_start", case.act_start)
    return None


def _same_patents(later: CaseFacts, earlier: CaseFacts) -> list[str]:
    return sorted(set(later.patents) & set(earlier.patents))


def _follows(later: CaseFacts, earlier: CaseFacts) -> bool:
    act = _act(later)
    return act is not None and act.on > _effective(earlier) and bool(_same_patents(later, earlier))


def _act_phrase(case: CaseFacts) -> str:
    if case.act_start is None:
        return "has no recorded start"
    return f"began {case.act_start.isoformat()}"


def _not_repeated(findings: list[CaseFacts]) -> tuple[str, str]:
    """Why no pair of findings is a repetition: each later finding, and what it lacks."""
    details = []
    details_zh = []
    for later in findings[1:]:
        earlier = [e for e in findings if _effective(e) < _effective(later)] or findings[:1]
        if later.act_start is None:
            details.append(
                f"the act in {later.label()} has no recorded start, so it cannot be shown to "
                "have begun after an earlier finding took effect and is not counted"
            )
            details_zh.append(explain_zh.unknown_start(later))
        elif not any(_same_patents(later, e) for e in earlier):
            details.append(f"{later.label()} concerns no patent of an earlier finding")
            details_zh.append(explain_zh.other_patents(later))
        else:
            details.append(
                f"{later.label()} effective {_effective(later)}, its act {_act_phrase(later)}"
            )
            details_zh.append(explain_zh.too_early(later, _effective(later), later.act_start))
    return (
        "no infringement of the same patent began after an earlier finding against the subject "
        f"took effect ({'; '.join(details)})",
        explain_zh.not_repeated(details_zh),
    )


def _repeat_infringement(
    code: str, kinds: set[str], counted: list[CaseFacts], on: date, cfg: RulesConfig
) -> GroundResult:
    window_start = add_years(on, -cfg.lookback_years)
    window = f"the {cfg.lookback_years}-year look-back starting {window_start.isoformat()}"
    findings = sorted(
        (c for c in counted if c.infringement_found and c.kind in kinds), key=_effective
    )
    pairs = [(e, later) for e in findings for later in findings if _follows(later, e)]
    in_window = [(e, later) for e, later in pairs if _effective(e) >= window_start]
    if in_window:
        # Cite the most recent repetition: it keeps the ground holding longest.
        earlier, later = max(
            in_window,
            key=lambda p: (_effective(p[0]), p[0].case_id, _effective(p[1]), p[1].case_id),
        )
        act = _act(later)
        assert act is not None  # a follower always has a known act date
        explanation = (
            f"{_capital(earlier.label())} found infringement of patent "
            f"{', '.join(_same_patents(later, earlier))} effective {_effective(earlier)}; "
            f"the act in {later.label()} {_act_phrase(later)}, after that finding, and was "
            f"found infringing the same patent effective {_effective(later)}; both within "
            f"{window}."
        )
        dates = (
            CitedDate(earlier.case_id, "effective_on", _effective(earlier)),
            act,
            CitedDate(later.case_id, "effective_on", _effective(later)),
        )
        patents = _same_patents(later, earlier)
        zh = explain_zh.repeat(earlier, later, patents, cfg.lookback_years, window_start)
        return GroundResult(
            code, True, explanation, (earlier.case_id, later.case_id), dates, explanation_zh=zh
        )
    if not findings:
        reason = f"no effective infringement finding counts on {on.isoformat()}"
        reason_zh = explain_zh.no_finding(on)
    elif len(findings) == 1:
        reason = f"only one effective infringement finding counts ({findings[0].label()})"
        reason_zh = explain_zh.one_finding(findings[0])
    elif pairs:
        reason = f"every repetition follows a finding that became effective before {window}"
        reason_zh = explain_zh.outside_window(cfg.lookback_years, window_start)
    else:
        reason, reason_zh = _not_repeated(findings)
    return GroundResult(code, False, reason + ".", reason_zh=reason_zh)


def _deliberate_infringement(
    code: str, kinds: set[str], counted: list[CaseFacts], on: date
) -> GroundResult:
    found = [c for c in counted if c.deliberate or c.punitive_damages]
    # Recorded before findings were checked against the case kind: never counted.
    cases = [c for c in found if c.kind in kinds]
    if not cases:
        reason = (
            "no effective court judgment finding deliberate infringement or awarding punitive "
            "damages counts"
        )
        not_courts = "".join(
            f"; {c.label()} is {KIND_WORDS[c.kind]}, which cannot make that finding "
            "(Patent Law art. 71)"
            for c in found
        )
        return GroundResult(
            code,
            False,
            f"{reason} on {on.isoformat()}{not_courts}.",
            reason_zh=explain_zh.no_deliberate(on, found),
        )
    sentences = []
    for case in cases:
        said = " and ".join(
            words
            for found, words in [
                (case.deliberate, "found deliberate infringement"),
                (case.punitive_damages, "awarded punitive damages"),
            ]
            if found
        )
        sentences.append(f"{_capital(case.label())} {said}, effective {_effective(case)}.")
    return GroundResult(
        code,
        True,
        " ".join(sentences),
        tuple(c.case_id for c in cases),
        tuple(CitedDate(c.case_id, "effective_on", _effective(c)) for c in cases),
        explain_zh.deliberate(cases),
    )


def _refusal_to_perform(
    code: str, kinds: set[str], counted: list[CaseFacts], on: date
) -> GroundResult:
    sentences: list[str] = []
    dates: list[CitedDate] = []
    why_not: list[str] = []
    why_not_zh: list[str] = []
    for c in (c for c in counted if c.performance_status == "refused"):
        deadline = c.performance_deadline
        if c.kind not in kinds:
            why_not.append(f"{c.label()} is {KIND_WORDS[c.kind]}, which does not count")
            why_not_zh.append(explain_zh.not_counted_kind(c))
        elif deadline is None:
            why_not.append(f"{c.label()} has no performance deadline")
            why_not_zh.append(explain_zh.no_deadline(c))
        elif deadline >= on:
            why_not.append(f"the performance deadline {deadline} of {c.label()} has not passed")
            why_not_zh.append(explain_zh.deadline_open(c, deadline))
        elif deadline < _effective(c):
            # Performance is owed only under an effective ruling: a deadline that ran out before
            # the ruling took effect was never one the subject could refuse.
            why_not.append(
                f"the performance deadline {deadline} of {c.label()} fell before it took effect "
                f"on {_effective(c)}"
            )
            why_not_zh.append(explain_zh.deadline_before_effect(c, deadline, _effective(c)))
        else:
            sentences.append(
                f"{_capital(c.label())}, {KIND_WORDS[c.kind]} effective {_effective(c)}, set a "
                f"performance deadline of {deadline} that has passed, and performance was refused."
            )
            dates += [
                CitedDate(c.case_id, "effective_on", _effective(c)),
                CitedDate(c.case_id, "performance_deadline", deadline),
            ]
    if sentences:
        case_ids = tuple(dict.fromkeys(d.case_id for d in dates))
        refused = [c for c in counted if c.case_id in case_ids]
        zh = explain_zh.refusal(refused)
        return GroundResult(code, True, " ".join(sentences), case_ids, tuple(dates), zh)
    reason = "no effective ruling or penalty was refused after its performance deadline"
    return GroundResult(
        code,
        False,
        reason + "".join(f"; {w}" for w in why_not) + ".",
        reason_zh=explain_zh.no_refusal(why_not_zh),
    )


def _determination(list_type: ListType, counted: list[CaseFacts], on: date) -> GroundResult:
    conduct = CONDUCT_WORDS[str(list_type.conduct)]
    found = [c for c in counted if c.conduct == list_type.conduct]
    cases = [c for c in found if c.kind in list_type.basis_kinds]
    if not cases:
        not_basis = "".join(
            f"; {c.label()} is {KIND_WORDS[c.kind]}, which this list type does not rest on"
            for c in found
        )
        return GroundResult(
            list_type.code,
            False,
            f"no effective determination of {conduct} counts on {on.isoformat()}{not_basis}.",
            reason_zh=explain_zh.no_determination(on, list_type.name_zh, found),
        )
    sentences = [
        f"{_capital(c.label())}, {KIND_WORDS[c.kind]} ({c.authority}), found {conduct}, "
        f"effective {_effective(c)}."
        for c in cases
    ]
    return GroundResult(
        list_type.code,
        True,
        " ".join(sentences),
        tuple(c.case_id for c in cases),
        tuple(CitedDate(c.case_id, "effective_on", _effective(c)) for c in cases),
        explain_zh.determination(cases, list_type.name_zh),
    )

"""Enforcement cases: recording, revocation, patent invalidation, and rule evaluation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry import clock
from registry.actors import Actor
from registry.audit import trail as audit
from registry.errors import Conflict, InvalidValue, NotFound, translatable
from registry.listings.dating import check_occurred_on
from registry.listings.grounds import case_facts
from registry.listings.list_types.loader import DETERMINATION_KINDS
from registry.listings.policy import Policy
from registry.listings.rules import check_conduct, check_findings
from registry.models import (
    CASE_KINDS,
    PERFORMANCE_STATUSES,
    SECTORS,
    CasePatent,
    EnforcementCase,
    Listing,
    ListingCase,
    ListingRequest,
    PatentInvalidation,
)
from registry.subjects.identifiers import validate_patent_number
from registry.subjects.records import clean_text, get_subject
from registry.transaction import atomic

# Listings in these states still rest on their basis and must be reviewed if it falls away.
OPEN_STATES = ("draft", "notified", "under_review", "approved", "published")


@dataclass
class CaseInput:
    """What a clerk records about an enforcement decision."""

    subject_id: int
    kind: str
    authority: str
    document_number: str
    decided_on: dt.date
    effective_on: dt.date | None = None
    act_start: dt.date | None = None
    act_end: dt.date | None = None
    patents: Sequence[str] = ()
    infringement_found: bool | None = None  # None: yes for rulings, no for determinations
    deliberate: bool = False
    punitive_damages: bool = False
    performance_deadline: dt.date | None = None
    performance_status: str = "pending"
    sectors: Sequence[str] = field(default_factory=list)
    conduct: str | None = None  # what a determination found (list type conduct)


@dataclass(frozen=True)
class CheckedCase:
    """A case whose fields passed the checks, with its text normalised as it will be stored."""

    data: CaseInput
    authority: str
    document_number: str
    patents: tuple[str, ...]


def check_case(data: CaseInput) -> CheckedCase:
    """Check every field of a case; InvalidValue names the first one that is wrong."""
    if data.kind not in CASE_KINDS:
        raise InvalidValue(
            "kind",
            "unknown kind %(data_kind)r; expected %(expected)s",
            data_kind=data.kind,
            expected=", ".join(CASE_KINDS),
        )
    if data.performance_status not in PERFORMANCE_STATUSES:
        raise InvalidValue(
            "performance_status",
            "unknown status %(performance_status)r; expected %(expected)s",
            performance_status=data.performance_status,
            expected=", ".join(PERFORMANCE_STATUSES),
        )
    unknown = sorted(set(data.sectors) - set(SECTORS))
    if unknown:
        raise InvalidValue(
            "sectors",
            "unknown sector %(unknown)s; expected %(expected)s",
            unknown=", ".join(unknown),
            expected=", ".join(SECTORS),
        )
    if data.infringement_found is None:
        data = replace(data, infringement_found=data.kind not in DETERMINATION_KINDS)
    data = replace(data, conduct=(data.conduct or "").strip() or None)
    check_conduct(data.kind, data.conduct, data.infringement_found)
    check_findings(data.kind, data.deliberate, data.punitive_damages)
    # As written on the decision: （2025）闽01民初 keeps its full-width brackets.
    authority = clean_text(data.authority, "authority", 200, required=True, as_typed=True)
    document = clean_text(
        data.document_number, "document_number", 100, required=True, as_typed=True
    )
    patents = [validate_patent_number(p, f"patents[{i}]") for i, p in enumerate(data.patents)]
    if len(set(patents)) != len(patents):
        raise InvalidValue("patents", "the same patent is listed twice")
    return CheckedCase(data, authority, document, tuple(patents))


def _new_case(checked: CheckedCase, subject_id: int) -> EnforcementCase:
    data = checked.data
    return EnforcementCase(
        subject_id=subject_id,
        kind=data.kind,
        authority=checked.authority,
        document_number=checked.document_number,
        decided_on=data.decided_on,
        effective_on=data.effective_on,
        act_start=data.act_start,
        act_end=data.act_end,
        infringement_found=bool(data.infringement_found),
        conduct=data.conduct,
        deliberate=data.deliberate,
        punitive_damages=data.punitive_damages,
        performance_deadline=data.performance_deadline,
        performance_status=data.performance_status,
        sectors=sorted(set(data.sectors)),
        patents=[CasePatent(patent_number=p) for p in checked.patents],
    )


def check_case_rules(checked: CheckedCase, label: int) -> None:
    """Run the rules' consistency checks (date order, findings) on a case not stored yet.

    The rules name a case by its id; `label` stands in for it in the error message.
    """
    draft = _new_case(checked, subject_id=0)
    draft.id = label
    case_facts(draft, [])


def recorded_case_id(session: Session, authority: str, document_number: str) -> int | None:
    """The id of the case already recorded under this authority and document number."""
    return session.scalar(
        select(EnforcementCase.id).where(
            EnforcementCase.authority == authority,
            EnforcementCase.document_number == document_number,
        )
    )


def add_case(
    session: Session, actor: Actor, subject_id: int, checked: CheckedCase
) -> EnforcementCase:
    """Insert a checked case inside the caller's transaction; a recorded document conflicts."""
    get_subject(session, subject_id)
    duplicate = recorded_case_id(session, checked.authority, checked.document_number)
    if duplicate is not None:
        raise Conflict(
            "document %(document_number)s of %(authority)s is already recorded as case "
            "%(duplicate)s",
            document_number=checked.document_number,
            authority=checked.authority,
            duplicate=duplicate,
        )
    case = _new_case(checked, subject_id)
    session.add(case)
    session.flush()
    case_facts(case, [])  # the rules' own consistency checks (date order, findings)
    audit.record(
        session,
        actor=actor.name,
        action="case.record",
        object_type="case",
        object_id=case.id,
        after={
            "subject_id": subject_id,
            "document_number": case.document_number,
            "kind": case.kind,
        },
    )
    return case


def record_case(session: Session, actor: Actor, data: CaseInput) -> EnforcementCase:
    """Record an enforcement case against a subject after checking every field."""
    actor.require("case.record")
    checked = check_case(data)
    with atomic(session):
        case = add_case(session, actor, data.subject_id, checked)
    return case


def get_case(session: Session, case_id: int) -> EnforcementCase:
    """The case, or NotFound."""
    case = session.get(EnforcementCase, case_id)
    if case is None:
        raise NotFound(
            "case %(case_id)s does not exist",
            case_id=case_id,
        )
    return case


def _flag_listings(
    session: Session, case_ids: Sequence[int], reason: str, reason_zh: str, actor: Actor
) -> list[Listing]:
    # IN (subquery) rather than JOIN ... DISTINCT: PostgreSQL cannot compare the JSON columns
    # that DISTINCT over whole listing rows would need.
    citing = select(ListingCase.listing_id).where(ListingCase.case_id.in_(case_ids))
    listings = session.scalars(
        select(Listing)
        .where(Listing.id.in_(citing), Listing.state.in_(OPEN_STATES))
        .order_by(Listing.id)
    ).all()
    for listing in listings:
        listing.review_flag = reason
        listing.review_flag_zh = reason_zh
        audit.record(
            session,
            actor=actor.name,
            action="listing.flag",
            object_type="listing",
            object_id=listing.id,
            after={"review_flag": reason, "review_flag_zh": reason_zh},
            reason=reason,
        )
    return list(listings)


def revoke_case(
    session: Session,
    actor: Actor,
    case_id: int,
    revoked_on: dt.date,
    reason: str,
    evidence: str | None = None,
    policy: Policy | None = None,
) -> list[Listing]:
    """Record that a case was revoked or overturned (reviewers only); stop its listings.

    `revoked_on` is the legal date of the revoking decision: never in the future, and when
    earlier than today, within the back-dating window and citing its document number.
    Every listing resting on the case is flagged and stopped (`_stop_on_revoked_basis`).
    """
    actor.require("case.revoke")
    reason = clean_text(reason, "reason", 2000, required=True)
    policy = policy or Policy()
    periods = policy.periods
    with atomic(session):
        case = get_case(session, case_id)
        if case.revoked_on is not None:
            raise Conflict(
                "case %(case_id)s was already revoked on %(revoked_on)s",
                case_id=case_id,
                revoked_on=case.revoked_on.isoformat(),
            )
        backdating = check_occurred_on(
            "revoked_on",
            revoked_on,
            periods.backdating_window_days,
            evidence,
            not_before=[(case.decided_on, translatable("the case was decided"))],
        )
        case.revoked_on = revoked_on
        case.revocation_reason = reason
        audit.record(
            session,
            actor=actor.name,
            action="case.revoke",
            object_type="case",
            object_id=case.id,
            after={"revoked_on": revoked_on.isoformat()}
            | ({"backdated": backdating.audit()} if backdating else {}),
            reason=reason,
        )
        note = f"basis case {case.document_number} revoked on {revoked_on.isoformat()}: {reason}"
        note_zh = f"基础案件{case.document_number}已于{revoked_on.isoformat()}撤销：{reason}"
        flagged = _flag_listings(session, [case.id], note, note_zh, actor)
        for listing in flagged:
            _stop_on_revoked_basis(session, actor, policy, listing, revoked_on, note)
        return flagged


def _stop_on_revoked_basis(
    session: Session,
    actor: Actor,
    policy: Policy,
    listing: Listing,
    revoked_on: dt.date,
    note: str,
) -> None:
    # A listing cannot rest on a revoked decision: a proposal ends at once; a published entry
    # gets its removal proposed by the revoking reviewer, for a second reviewer to confirm
    # within the removal period (3 working days).
    before = {"state": listing.state}
    if listing.state in ("draft", "notified", "under_review", "approved"):
        listing.state = "withdrawn" if listing.state in ("draft", "notified") else "rejected"
        listing.end_reason = "basis_revoked"
        listing.ended_on = clock.beijing_today()
        action = "listing.stop"
    elif listing.state == "published" and not any(
        r.kind == "removal" and r.decision is None for r in listing.requests
    ):
        today = clock.beijing_today()
        removal = ListingRequest(
            listing=listing,
            kind="removal",
            lodged_on=revoked_on,
            decision_due=policy.calendar.add_working_days(
                today, policy.periods.revocation_removal_working_days
            ),
            text=f"basis_revoked: {note}",
            recorded_by=actor.user_id,
        )
        session.add(removal)
        action = "listing.remove.propose"
    else:
        return
    session.flush()
    audit.record(
        session,
        actor=actor.name,
        action=action,
        object_type="listing",
        object_id=listing.id,
        before=before,
        after={"state": listing.state, "reason_code": "basis_revoked"},
        reason=note,
    )


def record_patent_invalidation(
    session: Session,
    actor: Actor,
    patent_number: str,
    decision_number: str,
    decided_on: dt.date,
    scope: str,
) -> list[Listing]:
    """Record a patent invalidation decision; flag every listing resting on that patent."""
    actor.require("patent.invalidate")
    patent = validate_patent_number(patent_number, "patent_number")
    decision = clean_text(decision_number, "decision_number", 100, required=True)
    if scope not in ("whole", "partial"):
        raise InvalidValue("scope", "must be 'whole' or 'partial'")
    with atomic(session):
        if (
            session.scalar(
                select(PatentInvalidation.id).where(
                    PatentInvalidation.patent_number == patent,
                    PatentInvalidation.decision_number == decision,
                )
            )
            is not None
        ):
            raise Conflict(
                "decision %(decision)s on patent %(patent)s is already recorded",
                decision=decision,
                patent=patent,
            )
        session.add(
            PatentInvalidation(
                patent_number=patent, decision_number=decision, decided_on=decided_on, scope=scope
            )
        )
        audit.record(
            session,
            actor=actor.name,
            action="patent.invalidate",
            object_type="patent",
            object_id=patent,
            after={
                "decision_number": decision,
                "scope": scope,
                "decided_on": decided_on.isoformat(),
            },
        )
        case_ids = session.scalars(
            select(CasePatent.case_id).where(CasePatent.patent_number == patent)
        ).all()
        note = (
            f"patent {patent} declared {'wholly' if scope == 'whole' else 'partly'} invalid "
            f"by decision {decision} on {decided_on.isoformat()}"
        )
        note_zh = (
            f"专利{patent}已由决定{decision}于{decided_on.isoformat()}"
            f"宣告{'全部' if scope == 'whole' else '部分'}无效"
        )
        return _flag_listings(session, list(case_ids), note, note_zh, actor)

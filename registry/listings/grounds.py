"""The grounds for listing a subject: its recorded cases turned into facts for the rules engine."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.listings.policy import Policy
from registry.listings.rules import CaseFacts, Evaluation, evaluate
from registry.listings.rules import PatentInvalidation as InvalidationFact
from registry.models import EnforcementCase, PatentInvalidation
from registry.subjects.records import get_subject


def case_facts(case: EnforcementCase, invalidations: Sequence[PatentInvalidation]) -> CaseFacts:
    """The rules engine's view of a stored case."""
    patents = tuple(case.patent_numbers)
    return CaseFacts(
        case_id=case.id,
        document_number=case.document_number,
        kind=case.kind,
        authority=case.authority,
        decided_on=case.decided_on,
        effective_on=case.effective_on,
        act_start=case.act_start,
        act_end=case.act_end,
        patents=patents,
        infringement_found=case.infringement_found,
        deliberate=case.deliberate,
        punitive_damages=case.punitive_damages,
        performance_deadline=case.performance_deadline,
        performance_status=case.performance_status,
        revoked_on=case.revoked_on,
        conduct=case.conduct,
        invalidated_patents=tuple(
            InvalidationFact(i.patent_number, i.decided_on)
            for i in invalidations
            if i.scope == "whole" and i.patent_number in patents
        ),
    )


def evaluate_subject(session: Session, subject_id: int, on: dt.date, policy: Policy) -> Evaluation:
    """Which grounds hold for the subject on `on`, and why."""
    return evaluate_cases(session, get_subject(session, subject_id).cases, on, policy)


def evaluate_cases(
    session: Session, cases: Sequence[EnforcementCase], on: dt.date, policy: Policy
) -> Evaluation:
    """Which grounds these cases support on `on`, with the recorded patent invalidations."""
    patents = {p.patent_number for case in cases for p in case.patents}
    invalidations = (
        session.scalars(
            select(PatentInvalidation).where(PatentInvalidation.patent_number.in_(patents))
        ).all()
        if patents
        else []
    )
    return evaluate([case_facts(c, invalidations) for c in cases], on, policy.rules)

"""Read-side queries of enforcement cases for the admin surface."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.errors import InvalidValue
from registry.models import EnforcementCase


def list_cases(
    session: Session,
    *,
    sector: str | None = None,
    authority: str | None = None,
    subject_id: int | None = None,
    decided_from: dt.date | None = None,
    decided_to: dt.date | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[EnforcementCase]:
    """Cases matching every filter given, most recently decided first."""
    if decided_from and decided_to and decided_from > decided_to:
        raise InvalidValue("decided_from", "is after decided_to")
    query = select(EnforcementCase).order_by(EnforcementCase.decided_on.desc(), EnforcementCase.id)
    if authority:
        query = query.where(EnforcementCase.authority == authority)
    if subject_id is not None:
        query = query.where(EnforcementCase.subject_id == subject_id)
    if decided_from:
        query = query.where(EnforcementCase.decided_on >= decided_from)
    if decided_to:
        query = query.where(EnforcementCase.decided_on <= decided_to)
    if not sector:
        return list(session.scalars(query.limit(limit).offset(offset)))
    # Sectors are a JSON list, filtered here so the query stays portable across databases.
    matching = [case for case in session.scalars(query) if sector in case.sectors]
    return matching[offset : offset + limit]


def recorded_authorities(session: Session, limit: int = 200) -> list[str]:
    """The deciding authorities named in recorded cases, alphabetically."""
    query = select(EnforcementCase.authority).distinct().order_by(EnforcementCase.authority)
    return list(session.scalars(query.limit(limit)))

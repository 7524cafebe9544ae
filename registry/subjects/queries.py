"""Read-side queries of subjects for the admin surface."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from registry.models import Subject


def list_subjects(session: Session, name: str | None, limit: int, offset: int) -> list[Subject]:
    """Subjects, newest first, optionally those whose name contains `name`.

    Each page's identifiers and cases are read with it, one statement each, not two per subject.
    """
    query = (
        select(Subject)
        .options(selectinload(Subject.identifiers), selectinload(Subject.cases))
        .order_by(Subject.id.desc())
    )
    if name:
        query = query.where(Subject.name.contains(name))
    return list(session.scalars(query.limit(limit).offset(offset)))

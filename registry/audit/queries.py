"""Read-side queries of the audit trail: filtered records, and what a job has just appended."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.models import AuditRecord


def audit_records(
    session: Session,
    *,
    action: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    actor: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[AuditRecord]:
    """Audit records matching every filter given, newest first."""
    query = select(AuditRecord).order_by(AuditRecord.seq.desc())
    if action:
        query = query.where(AuditRecord.action == action)
    if object_type:
        query = query.where(AuditRecord.object_type == object_type)
    if object_id:
        query = query.where(AuditRecord.object_id == object_id)
    if actor:
        query = query.where(AuditRecord.actor == actor)
    return list(session.scalars(query.limit(limit).offset(offset)))


def last_seq(session: Session) -> int:
    """The sequence number of the newest record; 0 while the trail is empty."""
    return session.scalar(select(AuditRecord.seq).order_by(AuditRecord.seq.desc())) or 0


def appended_since(session: Session, seq: int, action: str) -> list[AuditRecord]:
    """The records of `action` appended after record `seq`, oldest first."""
    return list(
        session.scalars(
            select(AuditRecord)
            .where(AuditRecord.action == action, AuditRecord.seq > seq)
            .order_by(AuditRecord.seq)
        )
    )


def recent_records(session: Session, actions: Sequence[str], limit: int = 10) -> list[AuditRecord]:
    """The newest records of any of `actions`, newest first."""
    query = select(AuditRecord).where(AuditRecord.action.in_(actions))
    return list(session.scalars(query.order_by(AuditRecord.seq.desc()).limit(limit)))

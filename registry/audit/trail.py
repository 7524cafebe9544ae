"""The append-only audit trail: every record carries the SHA-256 of the one before.

`record_hash = SHA-256(prev_hash || JCS(body))`, where body holds every field of the
record except the two hashes. The first record's `prev_hash` is 32 zero bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import rfc8785
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from registry.models import AuditRecord, utcnow

GENESIS = bytes(32)
# Arbitrary constant naming the advisory lock that serialises audit appends on PostgreSQL.
AUDIT_LOCK_KEY = 0x1A0D17


@dataclass(frozen=True)
class ChainReport:
    """The outcome of checking the audit chain."""

    checked: int
    intact: bool
    first_bad_seq: int | None = None
    problem: str = ""


def _body(record: AuditRecord) -> dict[str, Any]:
    return {
        "seq": record.seq,
        "recorded_at": record.recorded_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "actor": record.actor,
        "action": record.action,
        "object_type": record.object_type,
        "object_id": record.object_id,
        "before": record.before,
        "after": record.after,
        "reason": record.reason,
    }


def compute_hash(prev_hash: bytes, record: AuditRecord) -> bytes:
    """The hash that chains `record` to its predecessor."""
    return hashlib.sha256(prev_hash + rfc8785.dumps(_body(record))).digest()


def lock_trail(session: Session) -> None:
    """Serialise appenders for the rest of this transaction (PostgreSQL only).

    SQLite already allows a single writer at a time; the unique sequence number
    is the safety net on every database.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_LOCK_KEY})


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    object_type: str,
    object_id: str | int,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
    at: dt.datetime | None = None,
) -> AuditRecord:
    """Append one record to the trail inside the caller's transaction."""
    lock_trail(session)
    last = session.execute(
        select(AuditRecord.seq, AuditRecord.record_hash).order_by(AuditRecord.seq.desc()).limit(1)
    ).first()
    seq, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS)
    entry = AuditRecord(
        seq=seq,
        recorded_at=(at or utcnow()).replace(microsecond=0),
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        before=before,
        after=after,
        reason=reason,
        prev_hash=prev_hash,
    )
    entry.record_hash = compute_hash(prev_hash, entry)
    session.add(entry)
    session.flush()
    return entry


def verify_chain(
    session: Session,
    progress: Callable[[int], None] | None = None,
    batch_size: int = 1000,
) -> ChainReport:
    """Recompute every hash in order; report the first record that does not fit."""
    prev_hash = GENESIS
    expected_seq = 1
    checked = 0
    rows = session.execute(
        select(AuditRecord).order_by(AuditRecord.seq).execution_options(yield_per=batch_size)
    ).scalars()
    for entry in rows:
        if entry.seq != expected_seq:
            return ChainReport(
                checked, False, entry.seq, f"record {expected_seq} is missing (found {entry.seq})"
            )
        if entry.prev_hash != prev_hash:
            return ChainReport(
                checked, False, entry.seq, f"record {entry.seq} does not point to record before it"
            )
        if compute_hash(prev_hash, entry) != entry.record_hash:
            return ChainReport(
                checked, False, entry.seq, f"record {entry.seq} was altered after it was written"
            )
        prev_hash = entry.record_hash
        expected_seq += 1
        checked += 1
        if progress is not None:
            progress(1)
    return ChainReport(checked, True)


def count(session: Session) -> int:
    """How many records the trail holds."""
    return int(session.scalar(select(func.count()).select_from(AuditRecord)) or 0)

"""The hash-chained audit trail."""

from __future__ import annotations

from itertools import pairwise

from sqlalchemy import update
from sqlalchemy.orm import Session

from registry.audit import trail as audit
from registry.models import AuditRecord


def _write(session: Session, n: int) -> None:
    for i in range(n):
        audit.record(
            session,
            actor="clerk1",
            action="case.create",
            object_type="case",
            object_id=i,
            after={"n": i},
        )
    session.commit()


def test_chain_links_each_record_to_the_one_before(session: Session) -> None:
    _write(session, 5)
    records = session.query(AuditRecord).order_by(AuditRecord.seq).all()
    assert [r.seq for r in records] == [1, 2, 3, 4, 5]
    assert records[0].prev_hash == audit.GENESIS
    for before, after in pairwise(records):
        assert after.prev_hash == before.record_hash
    assert audit.verify_chain(session).intact


def test_tampered_content_is_detected(session: Session) -> None:
    _write(session, 4)
    session.execute(update(AuditRecord).where(AuditRecord.seq == 3).values(actor="someone"))
    session.commit()
    report = audit.verify_chain(session)
    assert not report.intact
    assert report.first_bad_seq == 3
    assert "altered" in report.problem
    assert report.checked == 2


def test_deleted_record_is_detected(session: Session) -> None:
    _write(session, 4)
    session.query(AuditRecord).filter(AuditRecord.seq == 2).delete()
    session.commit()
    report = audit.verify_chain(session)
    assert not report.intact
    assert "missing" in report.problem


def test_recomputed_hash_breaks_the_next_link(session: Session) -> None:
    _write(session, 3)
    record = session.get(AuditRecord, 2)
    assert record is not None
    record.reason = "rewritten"
    record.record_hash = audit.compute_hash(record.prev_hash, record)
    session.commit()
    report = audit.verify_chain(session)
    assert report.first_bad_seq == 3
    assert "does not point" in report.problem

"""The admin read model of the audit trail, and what a job has appended to it."""

from __future__ import annotations

from sqlalchemy.orm import Session

from registry.audit import trail as audit
from registry.audit.queries import appended_since, audit_records, last_seq


def _record(session: Session, action: str, object_id: int, actor: str = "clerk") -> None:
    audit.record(session, actor=actor, action=action, object_type="user", object_id=object_id)
    session.commit()


def test_records_are_filtered_newest_first(bare_session: Session) -> None:
    _record(bare_session, "user.create", 1)
    _record(bare_session, "user.role", 1, actor="root")
    _record(bare_session, "user.create", 2)

    assert [r.seq for r in audit_records(bare_session)] == [3, 2, 1]
    assert [r.seq for r in audit_records(bare_session, action="user.create")] == [3, 1]
    assert [r.seq for r in audit_records(bare_session, object_id="1", actor="root")] == [2]
    assert [r.seq for r in audit_records(bare_session, limit=1, offset=1)] == [2]


def test_what_was_appended_after_a_point_is_found_by_action(bare_session: Session) -> None:
    assert last_seq(bare_session) == 0
    _record(bare_session, "entry.purge", 1)
    before = last_seq(bare_session)
    _record(bare_session, "entry.purge", 2)
    _record(bare_session, "user.create", 3)
    _record(bare_session, "entry.purge", 4)

    assert before == 1 and last_seq(bare_session) == 4
    assert [r.object_id for r in appended_since(bare_session, before, "entry.purge")] == ["2", "4"]

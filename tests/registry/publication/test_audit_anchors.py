"""The audit trail anchored in the transparency log: a truncated or rehashed trail is caught."""

from __future__ import annotations

import json
from typing import Any

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import delete, event, select, update
from sqlalchemy.orm import Session

from publisher.writers.delta import event_leaf_object
from registry.audit import trail as audit
from registry.canonical import canonical_bytes
from registry.ledger.anchors import ANCHOR_TYPE
from registry.models import AuditRecord, LogEvent
from registry.publication.audit_anchors import check_trail_against_log
from registry.publication.checkpoints import sign_new_checkpoint
from registry.publication.events import log_size
from registry.verifier.work import check_leaf as _check_leaf
from runtime.signing_keys import key_store


def _write(session: Session, count: int) -> None:
    for number in range(count):
        audit.record(
            session, actor="clerk", action="case.record", object_type="case", object_id=number
        )
    session.commit()


def _sign(app: Flask, session: Session) -> int:
    origin = app.config["REGISTRY"]["LOG_ORIGIN"]
    return sign_new_checkpoint(session, key_store(), origin).tree_size


def _vkey() -> str:
    return key_store().current("checkpoint").verification_key().note_vkey or ""


def _rehash_from(session: Session, first: int) -> None:
    """Rewrite records from `first` on and recompute every hash, as a careful forger would."""
    rows = session.scalars(select(AuditRecord).order_by(AuditRecord.seq)).all()
    previous = audit.GENESIS
    for row in rows:
        if row.seq >= first:
            row.actor = "mallory"
            row.prev_hash = previous
            row.record_hash = audit.compute_hash(previous, row)
        previous = row.record_hash
    session.commit()


def test_each_checkpoint_anchors_the_trail_once_it_has_moved(app: Flask, session: Session) -> None:
    _write(session, 3)
    assert _sign(app, session) == 1
    anchor = session.scalars(select(LogEvent)).one()
    leaf = json.loads(anchor.leaf)
    head = session.get(AuditRecord, 3)
    assert head is not None
    assert leaf == {
        "type": ANCHOR_TYPE,
        "seq": 0,
        "audit_length": 3,
        "audit_head": head.record_hash.hex(),
        "recorded_at": leaf["recorded_at"],
    }
    assert canonical_bytes(leaf) == anchor.leaf
    assert _sign(app, session) == 1  # nothing moved: no new anchor, the same checkpoint
    _write(session, 2)
    assert _sign(app, session) == 2 == log_size(session)
    report = check_trail_against_log(session, _vkey())
    assert (report.intact, report.anchors, report.confirmed) == (True, 2, 5)


def test_a_deleted_tail_passes_the_chain_but_not_the_signed_log(
    app: Flask, session: Session
) -> None:
    _write(session, 5)
    _sign(app, session)
    session.execute(delete(AuditRecord).where(AuditRecord.seq > 3))
    session.commit()
    assert audit.verify_chain(session).intact  # the chain alone cannot tell
    report = check_trail_against_log(session, _vkey())
    assert not report.intact
    assert report.first_bad_seq == 4
    assert "records 4 to 5 were deleted" in report.problem


def test_a_rewritten_and_rehashed_trail_fails_at_the_first_unconfirmed_record(
    app: Flask, session: Session
) -> None:
    _write(session, 3)
    _sign(app, session)
    _write(session, 3)
    _sign(app, session)
    _rehash_from(session, 5)
    assert audit.verify_chain(session).intact
    report = check_trail_against_log(session, _vkey())
    assert not report.intact
    assert (report.confirmed, report.first_bad_seq) == (3, 4)
    assert "record 6 does not have the hash" in report.problem


def test_a_forged_checkpoint_or_rewritten_log_is_refused(app: Flask, session: Session) -> None:
    _write(session, 2)
    _sign(app, session)
    session.execute(update(LogEvent).values(leaf=b"{}"))  # the index row is not trusted
    session.commit()
    assert check_trail_against_log(session, _vkey()).intact
    other = "other.example+01234567+AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA="
    refused = check_trail_against_log(session, other)
    assert not refused.intact and "does not verify" in refused.problem


def test_verifiers_and_the_delta_writer_accept_the_anchor_leaf(
    app: Flask, session: Session
) -> None:
    _write(session, 1)
    _sign(app, session)
    anchor = session.scalars(select(LogEvent)).one()
    assert _check_leaf(0, anchor.leaf)["type"] == ANCHOR_TYPE
    handed_over = json.loads(anchor.leaf) | {"bundle": None}
    assert event_leaf_object(handed_over, "events[0]") == json.loads(anchor.leaf)


def test_the_audit_commands_anchor_and_report_truncation(
    runner: FlaskCliRunner, session: Session
) -> None:
    _write(session, 4)
    anchored = runner.invoke(args=["audit", "anchor"])
    assert anchored.exit_code == 0, anchored.output
    assert "checkpoint signed at log size 1" in anchored.output
    intact = runner.invoke(args=["audit", "verify"])
    assert intact.exit_code == 0, intact.output
    assert "the signed log anchors the first 4 of them" in intact.output

    session.execute(delete(AuditRecord).where(AuditRecord.seq == 4))
    session.commit()
    truncated = runner.invoke(args=["audit", "verify"])
    assert truncated.exit_code == 1
    assert "does NOT MATCH the signed log at record 4" in truncated.output


def test_the_newest_anchor_is_found_without_reading_the_log(app: Flask, session: Session) -> None:
    _write(session, 1)
    _sign(app, session)
    statements: list[tuple[str, Any]] = []

    def record(*args: Any) -> None:
        statements.append((" ".join(str(args[2]).split()), tuple(args[3])))

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", record)
    try:
        assert _sign(app, session) == 1
    finally:
        event.remove(engine, "before_cursor_execute", record)
    sql, params = next(s for s in statements if "log_events.event =" in s[0])
    plan = [
        str(row[-1])
        for row in session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params)
    ]
    # Either index reads the anchors alone, newest first (SQLite picks one by its estimates):
    # no pass over the log, no sort.
    assert plan in (
        ["SEARCH log_events USING INDEX ix_log_events_entry_id (entry_id=?)"],
        ["SEARCH log_events USING INDEX ix_log_events_event_seq (event=?)"],
    ), plan

"""The audit trail anchored in the transparency log, and checked against the signed log.

Every checkpoint the registry signs first appends an `ipl.audit_anchor/v1` leaf when the trail
has grown or changed since the last anchor (registry.ledger.anchors), so the published,
witnessed log commits to the trail's length and head. `check_trail_against_log` then catches
what the chain alone cannot: a trail whose tail was deleted, or one rewritten and rehashed from
some record on, no longer has the head the signed log anchored.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.canonical import loads_strict
from registry.errors import DomainError
from registry.ledger.anchors import ANCHOR_EVENT, checked_anchor
from registry.ledger.checkpoint import parse_and_verify
from registry.ledger.hashing import leaf_hash
from registry.models import AuditRecord, LogEvent, SignedCheckpoint
from registry.publication.events import append_anchor, open_log


@dataclass(frozen=True)
class AnchorReport:
    """The trail checked against the anchors of the latest signed checkpoint."""

    anchors: int
    intact: bool
    confirmed: int = 0  # records the signed log vouches for
    first_bad_seq: int | None = None
    problem: str = ""


def anchor_audit_trail(session: Session, now: dt.datetime) -> LogEvent | None:
    """Append an anchor of the trail's head unless the last anchor already names it.

    Runs inside the caller's transaction (the checkpoint signing that follows commits it).
    """
    head = session.execute(
        select(AuditRecord.seq, AuditRecord.record_hash).order_by(AuditRecord.seq.desc()).limit(1)
    ).first()
    if head is None:
        return None
    length, record_hash = int(head[0]), bytes(head[1])
    # Anchor rows have the entry id "" and the event "anchor": either index (by entry id, or
    # by kind and sequence) finds the newest without reading the log.
    last = session.scalar(
        select(LogEvent)
        .where(LogEvent.entry_id == "", LogEvent.event == ANCHOR_EVENT)
        .order_by(LogEvent.seq.desc())
        .limit(1)
    )
    if last is not None and (last.revision, last.content_sha256) == (length, record_hash.hex()):
        return None
    return append_anchor(session, length, record_hash, now)


def check_trail_against_log(session: Session, vkey: str) -> AnchorReport:
    """Check the trail against every anchor the latest signed checkpoint covers.

    The checkpoint's signature is verified with `vkey`, the log's tiles must still hash to its
    root, and each anchor is read from the tiles (not from the table that indexes it).
    """
    checkpoint = session.scalar(
        select(SignedCheckpoint).order_by(SignedCheckpoint.tree_size.desc()).limit(1)
    )
    if checkpoint is None:
        return AnchorReport(0, True, problem="no checkpoint has been signed yet")
    try:
        signed = parse_and_verify(checkpoint.note, vkey)
    except DomainError as error:
        return AnchorReport(0, False, problem=f"the latest checkpoint does not verify: {error}")
    log = open_log(session)
    if log.size < signed.size or log.root(signed.size) != signed.root:
        problem = f"the stored log no longer has the root signed at size {signed.size}"
        return AnchorReport(0, False, problem=problem)
    indexes = session.scalars(
        select(LogEvent.seq)
        .where(LogEvent.event == ANCHOR_EVENT, LogEvent.seq < signed.size)
        .order_by(LogEvent.seq)
    ).all()
    last_seq = session.scalar(select(AuditRecord.seq).order_by(AuditRecord.seq.desc())) or 0
    confirmed = 0
    for checked, index in enumerate(indexes):
        leaf = log.entry(index)
        if leaf_hash(leaf) != log.leaf_hash(index):
            return AnchorReport(checked, False, confirmed, None, f"log leaf {index} is damaged")
        anchor = checked_anchor(loads_strict(leaf))
        length, head = int(anchor["audit_length"]), str(anchor["audit_head"])
        if length > last_seq:
            problem = (
                f"the trail ends at record {last_seq}, but log leaf {index} anchored {length} "
                f"records: records {last_seq + 1} to {length} were deleted"
            )
            return AnchorReport(checked, False, confirmed, last_seq + 1, problem)
        record_hash = session.scalar(
            select(AuditRecord.record_hash).where(AuditRecord.seq == length)
        )
        if record_hash is None or bytes(record_hash).hex() != head:
            problem = (
                f"record {length} does not have the hash log leaf {index} anchored: the trail "
                f"was rewritten after record {confirmed}"
            )
            return AnchorReport(checked, False, confirmed, confirmed + 1, problem)
        confirmed = length
    return AnchorReport(len(indexes), True, confirmed)

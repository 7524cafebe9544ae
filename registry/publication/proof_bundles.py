"""Proof bundles (c2sp.org/tlog-proof) for answers: each entry's latest event under one checkpoint.

A screening answer names entries; with the bundle of each entry's latest log event at the
answer's checkpoint, a bank can later prove offline, with `registry verify-proof`, that the log
(and its witnesses) held that event when it screened.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.errors import NotFound
from registry.ledger.proof_bundle import format_bundle
from registry.models import LogEvent, SignedCheckpoint
from registry.publication.events import open_log


def bundles_at(session: Session, seq_by_entry: Mapping[str, int], size: int) -> dict[str, str]:
    """The `.tlog-proof` text of each entry's event `seq`, under the checkpoint of `size`."""
    if not seq_by_entry:
        return {}
    note = session.scalar(select(SignedCheckpoint.note).where(SignedCheckpoint.tree_size == size))
    if note is None:
        raise NotFound(
            "no checkpoint was signed at size %(size)s",
            size=size,
        )
    wanted = {seq for seq in seq_by_entry.values() if seq < size}
    leaves = dict(
        session.execute(select(LogEvent.seq, LogEvent.leaf).where(LogEvent.seq.in_(wanted))).all()
    )
    log = open_log(session)  # one open log for every bundle of the answer
    return {
        entry_id: format_bundle(seq, log.inclusion_proof(seq, size), note, leaves[seq])
        for entry_id, seq in sorted(seq_by_entry.items())
        if seq in leaves
    }

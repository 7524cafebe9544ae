"""Answers of the public log API: the latest checkpoint, inclusion and consistency proofs.

Everything is answered at a size the log has signed, read from the database tiles through
`open_log`; a size beyond the latest signed checkpoint is refused, because a client could not
check a proof against a root nobody signed.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.errors import InvalidValue, NotFound
from registry.ledger.hashing import leaf_hash
from registry.ledger.proof_bundle import format_bundle
from registry.ledger.tiled_log import TiledLog
from registry.models import LogEvent, SignedCheckpoint
from registry.publication.events import open_log

MAX_ENTRIES = 1000


def b64(data: bytes) -> str:
    """Standard base64 text of `data`."""
    return base64.b64encode(data).decode("ascii")


def latest_checkpoint(session: Session) -> SignedCheckpoint:
    """The most recent signed checkpoint; NotFound before the first publication."""
    checkpoint = session.scalar(
        select(SignedCheckpoint).order_by(SignedCheckpoint.tree_size.desc()).limit(1)
    )
    if checkpoint is None:
        raise NotFound("no checkpoint has been signed yet; the first publication run signs one")
    return checkpoint


def checkpoint_view(checkpoint: SignedCheckpoint) -> dict[str, Any]:
    """The checkpoint as JSON: the signed note text, its origin, size and base64 root."""
    return {
        "note": checkpoint.note,
        "origin": checkpoint.note.split("\n", 1)[0],
        "tree_size": checkpoint.tree_size,
        "root": b64(checkpoint.root),
    }


def _signed_size(session: Session, requested: int | None, field: str) -> int:
    latest = latest_checkpoint(session).tree_size
    if requested is None:
        return latest
    if requested > latest:
        raise InvalidValue(
            field,
            "must not exceed %(latest)s, the size of the latest signed checkpoint",
            latest=latest,
        )
    return requested


def _note_at(session: Session, size: int) -> str | None:
    return session.scalar(select(SignedCheckpoint.note).where(SignedCheckpoint.tree_size == size))


def _inclusion(session: Session, log: TiledLog, event: LogEvent, size: int) -> dict[str, Any]:
    return {
        "index": event.seq,
        "tree_size": size,
        "root": b64(log.root(size)),
        "leaf": b64(event.leaf),
        "leaf_hash": b64(leaf_hash(event.leaf)),
        "event": json.loads(event.leaf),
        "proof": [b64(item) for item in log.inclusion_proof(event.seq, size)],
        "checkpoint": _note_at(session, size),
    }


def _event_at(session: Session, index: int, size: int) -> LogEvent:
    if index >= size:
        raise InvalidValue(
            "index",
            "must be below the tree size %(size)s",
            size=size,
        )
    event = session.get(LogEvent, index)
    if event is None:
        raise NotFound(
            "leaf %(index)s is missing from the log",
            index=index,
        )
    return event


def inclusion_by_index(session: Session, index: int, tree_size: int | None) -> dict[str, Any]:
    """The inclusion proof of leaf `index` in the signed tree of `tree_size` (default: latest)."""
    size = _signed_size(session, tree_size, "tree_size")
    return _inclusion(session, open_log(session), _event_at(session, index, size), size)


def inclusion_by_entry(
    session: Session, entry_id: str, revision: int | None, tree_size: int | None
) -> dict[str, Any]:
    """The inclusion proof of an entry's listed/amended leaf (default: latest revision signed)."""
    size = _signed_size(session, tree_size, "tree_size")
    return _inclusion(
        session, open_log(session), _entry_event(session, entry_id, revision, size), size
    )


def proof_bundle(
    session: Session,
    index: int | None,
    entry_id: str | None,
    revision: int | None,
    tree_size: int | None,
) -> tuple[str, str]:
    """The `.tlog-proof` text of a leaf (by index, or an entry's event) and a file name for it."""
    size = _signed_size(session, tree_size, "tree_size")
    if entry_id is not None:
        event = _entry_event(session, entry_id, revision, size)
    else:
        event = _event_at(session, index or 0, size)
    note = _note_at(session, size)
    if note is None:
        raise NotFound(
            "no checkpoint was signed at size %(size)s; ask for a signed tree_size",
            size=size,
        )
    text = format_bundle(
        event.seq, open_log(session).inclusion_proof(event.seq, size), note, event.leaf
    )
    return text, f"{event.entry_id}-r{event.revision}-leaf{event.seq}.tlog-proof"


def _entry_event(session: Session, entry_id: str, revision: int | None, size: int) -> LogEvent:
    query = select(LogEvent).where(
        LogEvent.entry_id == entry_id, LogEvent.event.in_(("listed", "amended"))
    )
    if revision is not None:
        query = query.where(LogEvent.revision == revision)
    event = session.scalar(
        query.where(LogEvent.seq < size).order_by(LogEvent.revision.desc()).limit(1)
    )
    if event is not None:
        return event
    later = session.scalar(query.order_by(LogEvent.seq).limit(1))
    which = f"revision {revision} of {entry_id}" if revision else entry_id
    if later is None:
        raise NotFound(
            "the log holds no listed or amended event for %(which)s",
            which=which,
        )
    raise NotFound(
        "%(which)s is leaf %(seq)s, not yet covered by the checkpoint of size %(size)s; it "
        "will be after the next publication run",
        which=which,
        seq=later.seq,
        size=size,
    )


def consistency(session: Session, first: int, second: int | None) -> dict[str, Any]:
    """The proof that the tree of size `first` is a prefix of the signed tree of `second`."""
    size = _signed_size(session, second, "second")
    if first > size:
        raise InvalidValue(
            "first",
            "must not exceed second (%(size)s)",
            size=size,
        )
    log = open_log(session)
    return {
        "first": first,
        "second": size,
        "first_root": b64(log.root(first)),
        "second_root": b64(log.root(size)),
        "proof": [b64(item) for item in log.consistency_proof(first, size)],
        "checkpoint": _note_at(session, size),
    }


def log_entries(session: Session, start: int, limit: int) -> dict[str, Any]:
    """Leaves `start` onwards (at most `limit`), up to the latest signed checkpoint."""
    size = _signed_size(session, None, "tree_size")
    end = min(start + min(limit, MAX_ENTRIES), size)
    rows = session.scalars(
        select(LogEvent).where(LogEvent.seq >= start, LogEvent.seq < end).order_by(LogEvent.seq)
    ).all()
    entries = [
        {
            "index": row.seq,
            "leaf": b64(row.leaf),
            "leaf_hash": b64(leaf_hash(row.leaf)),
            "event": json.loads(row.leaf),
        }
        for row in rows
    ]
    return {"tree_size": size, "start": start, "entries": entries}

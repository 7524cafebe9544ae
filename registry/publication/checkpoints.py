"""Signing the log's checkpoint: never shorter than, never inconsistent with, the last one."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.errors import Conflict
from registry.ledger.checkpoint import sign_checkpoint
from registry.models import SignedCheckpoint, utcnow
from registry.publication.events import open_log
from registry.signing.keystore import KeyStore
from registry.transaction import atomic


def sign_new_checkpoint(session: Session, keys: KeyStore, origin: str) -> SignedCheckpoint:
    """Sign the log at its current size, refusing if it contradicts the last signed one."""
    with atomic(session):
        log = open_log(session)
        last = session.scalar(select(SignedCheckpoint).order_by(SignedCheckpoint.tree_size.desc()))
        if last is not None:
            if log.size < last.tree_size:
                raise Conflict(
                    f"the log shrank from {last.tree_size} to {log.size}: refusing to sign"
                )
            if log.root(last.tree_size) != last.root:
                raise Conflict(
                    f"the log at size {last.tree_size} no longer matches its signed root"
                )
            if log.size == last.tree_size:
                return last
        note = sign_checkpoint(
            origin, log.size, log.root(), keys.current("checkpoint"), keys.note_name
        )
        checkpoint = SignedCheckpoint(
            tree_size=log.size, root=log.root(), note=note, signed_at=utcnow()
        )
        session.add(checkpoint)
    return checkpoint

"""Signing the log's checkpoint: never shorter than, never inconsistent with, the last one."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from registry.errors import Conflict
from registry.ledger.checkpoint import sign_checkpoint
from registry.models import SignedCheckpoint, utcnow
from registry.publication.audit_anchors import anchor_audit_trail
from registry.publication.events import log_size, open_log
from registry.signing.keystore import KeyStore
from registry.transaction import atomic


def sign_new_checkpoint(session: Session, keys: KeyStore, origin: str) -> SignedCheckpoint:
    """Anchor the audit trail, then sign the log at its size, refusing to contradict the last.

    The anchor leaf (registry.publication.audit_anchors) is appended only when the trail moved
    since the last anchor, so every checkpoint commits to the trail as it stood when signed.
    """
    with atomic(session):
        anchor_audit_trail(session, utcnow())
        log = open_log(session)
        last = session.scalar(select(SignedCheckpoint).order_by(SignedCheckpoint.tree_size.desc()))
        if last is not None:
            if log.size < last.tree_size:
                raise Conflict(
                    "the log shrank from %(tree_size)s to %(log_size)s: refusing to sign",
                    tree_size=last.tree_size,
                    log_size=log.size,
                )
            if log.root(last.tree_size) != last.root:
                raise Conflict(
                    "the log at size %(tree_size)s no longer matches its signed root",
                    tree_size=last.tree_size,
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


def latest_checkpoint(session: Session) -> SignedCheckpoint | None:
    """The checkpoint signed at the largest log size, or None before the first."""
    query = select(SignedCheckpoint).order_by(SignedCheckpoint.tree_size.desc()).limit(1)
    return session.scalar(query)


def checkpoint_covering_log(session: Session, keys: KeyStore, origin: str) -> SignedCheckpoint:
    """A signed checkpoint that includes every committed event, signed now if the log grew."""
    latest = latest_checkpoint(session)
    if latest is not None and latest.tree_size >= log_size(session):
        return latest
    try:
        return sign_new_checkpoint(session, keys, origin)
    except IntegrityError:  # another process signed the same size first
        latest = latest_checkpoint(session)
        if latest is None:
            raise
        return latest

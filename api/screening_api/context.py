"""What the screening views share: the answering checkpoint and the cached list states."""

from __future__ import annotations

import datetime as dt

from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from registry.models import SignedCheckpoint, utcnow
from registry.publication.as_of import ListState
from registry.publication.checkpoints import sign_new_checkpoint
from registry.publication.events import log_size
from registry.screening.screen import CheckpointRef, ListStateCache, resolve_day
from runtime.extensions import db
from runtime.signing_keys import key_store

CACHE = "screening_list_states"


def _latest() -> SignedCheckpoint | None:
    return db.session.scalar(
        select(SignedCheckpoint).order_by(SignedCheckpoint.tree_size.desc()).limit(1)
    )


def answering_checkpoint() -> CheckpointRef:
    """The latest signed checkpoint; the first call on a new registry signs one."""
    latest = _latest()
    if latest is None:
        origin = current_app.config["REGISTRY"]["LOG_ORIGIN"]
        try:
            latest = sign_new_checkpoint(db.session, key_store(), origin)
        except IntegrityError:  # another process signed the same size first
            latest = _latest()
            if latest is None:
                raise
    return CheckpointRef(latest.note.split("\n", 1)[0], latest.tree_size, latest.root)


def today() -> dt.date:
    """Today's date in UTC."""
    return utcnow().date()


def state_at(checkpoint: CheckpointRef, as_of: dt.date | None) -> ListState:
    """The list as of a day, replayed up to the checkpoint (cached per app)."""
    cache: ListStateCache = current_app.extensions[CACHE]
    return cache.get(db.session, checkpoint.tree_size, resolve_day(as_of, today()))


def current_public_state() -> ListState:
    """The whole log today: what the public list shows now."""
    cache: ListStateCache = current_app.extensions[CACHE]
    return cache.get(db.session, log_size(db.session), today())


def init_app(app: Flask) -> None:
    """Give the app its list-state cache."""
    app.extensions[CACHE] = ListStateCache()

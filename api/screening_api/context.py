"""What the screening views share: the answering checkpoint and the list state it answers from."""

from __future__ import annotations

import datetime as dt

from flask import current_app

from api.public_view import list_states, today
from registry.publication.as_of import ListState
from registry.publication.checkpoints import checkpoint_covering_log
from registry.screening.screen import CheckpointRef, resolve_day
from runtime.extensions import db
from runtime.read_replica import replica_session_covering
from runtime.signing_keys import key_store


def answering_checkpoint() -> CheckpointRef:
    """A signed checkpoint over the whole committed log, signed now when the log has grown."""
    origin = current_app.config["REGISTRY"]["LOG_ORIGIN"]
    signed = checkpoint_covering_log(db.session(), key_store(), origin)
    return CheckpointRef(signed.note.split("\n", 1)[0], signed.tree_size, signed.root)


def state_at(checkpoint: CheckpointRef, as_of: dt.date | None) -> ListState:
    """The list as of a day, replayed up to the checkpoint (cached per app).

    Read from the read replica when one is configured, fresh, and holds the checkpoint's
    log; otherwise from the primary. Either way the state is that of the checkpoint.
    """
    day = resolve_day(as_of, today())
    with replica_session_covering(checkpoint.tree_size) as replica:
        return list_states().get(replica or db.session(), checkpoint.tree_size, day)

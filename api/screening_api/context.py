"""What the screening views share: the answering checkpoint and the list state it answers from.

`answering(as_of)` reads the serving version (registry.screening.serving) once and answers
from what this worker already computed for it: the checkpoint reference, the list state, the
person index, pending removals and proof bundles. Anything that changed since is recomputed
in the same request, so a removal, a purge or a new checkpoint shows in the very next answer.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.public_view import (
    current_version,
    list_states,
    screening_index,
    serving_cache,
    today,
)
from registry.models import SignedCheckpoint
from registry.publication.as_of import ListState
from registry.publication.checkpoints import checkpoint_covering_log
from registry.screening.persons import PersonIndex, person_index
from registry.screening.screen import CheckpointRef, resolve_day
from registry.screening.serving import ServingCache, ServingVersion
from runtime.extensions import db, session
from runtime.read_replica import replica_session_covering
from runtime.signing_keys import key_store


def answering_checkpoint() -> CheckpointRef:
    """A signed checkpoint over the whole committed log, signed now when the log has grown."""
    origin = current_app.config["REGISTRY"]["LOG_ORIGIN"]
    signed = checkpoint_covering_log(db.session(), key_store(), origin)
    return CheckpointRef(signed.note.split("\n", 1)[0], signed.tree_size, signed.root)


def screening_checkpoint(checkpoint: CheckpointRef) -> CheckpointRef:
    """The checkpoint to screen names at: `checkpoint`, or the screening index file's.

    While the file lags the log by more entries than `REGISTRY_SCREENING_INDEX_MAX_LAG`
    (registry.screening.shared_index: `SharedIndex.screening_size`), names are screened at the
    checkpoint the publisher signed before writing the file, so that no worker indexes a whole
    run's entries in memory; the receipt names that checkpoint. Without a checkpoint of that
    size, `checkpoint` (the entries the file lacks are then screened from memory, as below the
    bound).
    """
    most = current_app.config["SCREENING_INDEX_MAX_LAG"]
    size = screening_index().screening_size(session(), checkpoint.tree_size, most)
    if size == checkpoint.tree_size:
        return checkpoint
    signed = session().scalar(select(SignedCheckpoint).where(SignedCheckpoint.tree_size == size))
    if signed is None:
        return checkpoint
    return CheckpointRef(signed.note.split("\n", 1)[0], signed.tree_size, signed.root)


def state_at(checkpoint: CheckpointRef, as_of: dt.date | None) -> ListState:
    """The list as of a day, replayed up to the checkpoint (cached per app).

    Read from the read replica when one is configured, fresh, and holds the checkpoint's
    log; otherwise from the primary. Either way the state is that of the checkpoint.
    """
    day = resolve_day(as_of, today())
    with replica_session_covering(checkpoint.tree_size) as replica:
        return list_states().get(replica or db.session(), checkpoint.tree_size, day)


@dataclass(frozen=True)
class Answering:
    """Everything an answer is computed from, read at one serving version."""

    version: ServingVersion
    checkpoint: CheckpointRef
    state: ListState
    cache: ServingCache

    def persons(self) -> PersonIndex:
        """The person index of the state, for the recorded persons of this version."""
        return person_index(session, self.state, self.version.persons)

    def removal_pending(self, entry_ids: list[str]) -> dict[str, dict[str, str]]:
        """`removal_pending` of these entries on the state's day."""
        return self.cache.removal_pending(session, self.version, entry_ids, self.state.day)

    def bundles(self, seq_by_entry: dict[str, int]) -> dict[str, str]:
        """Proof bundles of these entries' events under the answering checkpoint."""
        return self.cache.bundles(session, seq_by_entry, self.checkpoint.tree_size)


def answering(as_of: dt.date | None, names: bool = False) -> Answering:
    """The checkpoint covering the log, and the list state as of a day, at one version.

    For screening `names`, the checkpoint may be an earlier one (`screening_checkpoint`).
    """
    cache = serving_cache()
    version = current_version()
    checkpoint = cache.checkpoint(version, answering_checkpoint)
    if names:
        checkpoint = screening_checkpoint(checkpoint)
    day = resolve_day(as_of, today())
    with contextlib.ExitStack() as stack:

        def reading() -> Session:
            """On a miss: the replica when it holds the checkpoint's log, else the primary."""
            replica = stack.enter_context(replica_session_covering(checkpoint.tree_size))
            return replica or session()

        state = list_states().get(reading, checkpoint.tree_size, day, version.purges)
    return Answering(version, checkpoint, state, cache)

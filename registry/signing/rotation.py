"""Key rotation: retire the current key for one use and sign with a new one, audited."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from registry.actors import Actor
from registry.audit import trail as audit
from registry.errors import SigningUnavailable
from registry.signing.keys import SigningKey
from registry.signing.keystore import KeyStore
from registry.transaction import atomic


@dataclass(frozen=True)
class Rotation:
    """The outcome of a rotation: the kid retired (None if there was no key yet) and the new key."""

    retired_kid: str | None
    key: SigningKey


def rotate_key(
    session: Session, store: KeyStore, use: str, actor: Actor, now: dt.datetime, reason: str
) -> Rotation:
    """Retire the current key for `use` and start signing with a new one, in the audit trail."""
    actor.require("key.manage")
    try:
        retired: str | None = store.current(use).kid
    except SigningUnavailable:
        retired = None
    # One transaction: the audit record is written only once the new key is on disk.
    with atomic(session):
        key = store.rotate(use, now)
        audit.record(
            session,
            actor=actor.name,
            action="key.rotate",
            object_type="signing_key",
            object_id=key.kid,
            before={"kid": retired, "use": use},
            after={"kid": key.kid, "use": use},
            reason=reason,
        )
    return Rotation(retired, key)

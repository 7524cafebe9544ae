"""Key rotation as a service: the new key, the retired one, and the audit record."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.actors import Actor
from registry.errors import Forbidden, InvalidValue
from registry.models import AuditRecord
from registry.signing.keystore import KeyStore
from registry.signing.rotation import rotate_key

ORIGIN = "registry.example/patent-infringers/v1"
FIRST = dt.datetime(2026, 1, 31, 8, 0, tzinfo=dt.UTC)
LATER = dt.datetime(2026, 7, 1, 9, 30, tzinfo=dt.UTC)
ADMIN = Actor("root", "admin", 1)


@pytest.fixture
def store(tmp_path: Path) -> KeyStore:
    return KeyStore(tmp_path / "keys", note_name=ORIGIN)


def _rotations(session: Session) -> list[AuditRecord]:
    return list(session.scalars(select(AuditRecord).where(AuditRecord.action == "key.rotate")))


def test_rotation_retires_the_current_key_and_records_both_kids(
    bare_session: Session, store: KeyStore
) -> None:
    before = store.ensure_keys(FIRST)["entry"].kid

    rotation = rotate_key(bare_session, store, "entry", ADMIN, LATER, "yearly rotation")

    assert rotation.retired_kid == before
    assert store.current("entry").kid == rotation.key.kid != before
    retired = store.find(before)
    assert retired is not None and retired.valid_until == "2026-07-01T09:30:00Z"
    (record,) = _rotations(bare_session)
    assert (record.actor, record.object_type, record.object_id) == (
        "root",
        "signing_key",
        rotation.key.kid,
    )
    assert record.before == {"kid": before, "use": "entry"}
    assert record.after == {"kid": rotation.key.kid, "use": "entry"}
    assert record.reason == "yearly rotation"


def test_the_first_rotation_of_an_empty_store_retires_nothing(
    bare_session: Session, store: KeyStore
) -> None:
    rotation = rotate_key(bare_session, store, "receipt", ADMIN, FIRST, "first key")

    assert rotation.retired_kid is None
    assert store.current("receipt").kid == rotation.key.kid
    assert _rotations(bare_session)[0].before == {"kid": None, "use": "receipt"}


@pytest.mark.parametrize(
    ("actor", "use", "error"),
    [
        (Actor("clerk", "clerk", 2), "entry", Forbidden),
        (ADMIN, "everything", InvalidValue),
    ],
)
def test_a_refused_rotation_changes_no_key_and_records_nothing(
    bare_session: Session, store: KeyStore, actor: Actor, use: str, error: type[Exception]
) -> None:
    before = store.ensure_keys(FIRST)["entry"].kid

    with pytest.raises(error):
        rotate_key(bare_session, store, use, actor, LATER, "not allowed")

    assert store.current("entry").kid == before
    assert _rotations(bare_session) == []

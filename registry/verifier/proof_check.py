"""Offline check of one entry against its proof bundle and a witness policy: no network at all.

It proves that the entry's content hash is the one recorded in a log event, that the event is
in the tree of a checkpoint signed by the log, and that the policy's witness quorum cosigned it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from registry.canonical import canonical_bytes, loads_strict
from registry.errors import InvalidValue
from registry.ledger.events import EVENT_TYPE
from registry.ledger.policy import parse_policy
from registry.ledger.proof_bundle import InvalidBundle, parse_bundle, verify_bundle


@dataclass(frozen=True)
class EntryProof:
    """What a verified bundle shows about the entry."""

    entry_id: str
    revision: int
    event: str
    index: int
    origin: str
    tree_size: int
    witnesses: tuple[str, ...]

    def __str__(self) -> str:
        witnessed = ", ".join(self.witnesses) or "no witness (the policy asks for none)"
        return (
            f"{self.entry_id} revision {self.revision} ({self.event}) is leaf {self.index} of "
            f"{self.origin} at size {self.tree_size}; cosigned by {witnessed}"
        )


def entry_object(document: bytes) -> dict[str, Any]:
    """The entry of a signed entry document `{"entry": ..., "signature": ...}` or a bare entry."""
    try:
        value = loads_strict(document)
    except InvalidValue as error:
        raise InvalidValue(
            "entry",
            "not valid JSON: %(error_reason)s",
            error_reason=error.reason,
        ) from None
    if isinstance(value, dict) and isinstance(value.get("entry"), dict):
        value = value["entry"]
    if not isinstance(value, dict) or not isinstance(value.get("entry_id"), str):
        raise InvalidValue("entry", "expected an entry object with an entry_id")
    return value


def verify_entry_proof(bundle_text: bytes, entry_document: bytes, policy_text: bytes) -> EntryProof:
    """Verify a `.tlog-proof` for an entry under a policy; raise a DomainError saying why not."""
    policy = parse_policy(policy_text)
    entry = entry_object(entry_document)
    bundle = parse_bundle(bundle_text)
    if bundle.extra is None:
        raise InvalidBundle("line 2: the registry's bundles carry the event leaf as 'extra'")
    proved = verify_bundle(bundle, bundle.extra, policy)
    try:
        event = loads_strict(bundle.extra)
    except InvalidValue as error:
        raise InvalidBundle(
            "line 2: the event is not valid JSON: %(error_reason)s",
            error_reason=error.reason,
        ) from None
    if not isinstance(event, dict) or event.get("type") != EVENT_TYPE:
        raise InvalidBundle(
            "line 2: the leaf is not an %(EVENT_TYPE)s event",
            EVENT_TYPE=EVENT_TYPE,
        )
    if event.get("seq") != bundle.index:
        raise InvalidBundle(
            "the event says seq %(seq)r, the bundle index %(bundle_index)s",
            seq=event.get("seq"),
            bundle_index=bundle.index,
        )
    if event.get("entry_id") != entry["entry_id"]:
        raise InvalidBundle(
            "the event is about %(entry_id)r, the entry is %(entry)r",
            entry_id=event.get("entry_id"),
            entry=entry["entry_id"],
        )
    content = hashlib.sha256(canonical_bytes(entry)).hexdigest()
    if event.get("content_sha256") != content:
        raise InvalidBundle(
            "the entry's content hash %(content)s is not the event's %(content_sha256)s",
            content=content,
            content_sha256=event.get("content_sha256"),
        )
    return EntryProof(
        entry["entry_id"],
        int(event.get("revision", 0)),
        str(event.get("event")),
        bundle.index,
        proved.checkpoint.origin,
        proved.checkpoint.size,
        proved.witnesses,
    )

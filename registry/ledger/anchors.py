"""Audit anchors: `ipl.audit_anchor/v1` leaves committing the audit trail's head to the log.

An anchor names how many records the registry's audit trail held (`audit_length`) and the
SHA-256 chain hash of the last of them (`audit_head`). Once a checkpoint covering the anchor is
signed and published, deleting the trail's tail or rewriting and rehashing it no longer matches
the log. The leaf carries no personal data: only a count, a hash and a time.
"""

from __future__ import annotations

import re
from typing import Any

from registry.canonical import canonical_bytes
from registry.errors import InvalidValue
from registry.timestamps import check_timestamp

ANCHOR_TYPE = "ipl.audit_anchor/v1"
# The `event` column value of an anchor's row in the log table.
ANCHOR_EVENT = "anchor"
ANCHOR_FIELDS = ("seq", "audit_length", "audit_head", "recorded_at")
_SHA256_HEX = re.compile(r"[0-9a-f]{64}\Z")


def _count(value: Any, field: str, least: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise InvalidValue(
            field,
            "must be an integer of at least %(least)s, got %(value)r",
            least=least,
            value=value,
        )
    return value


def anchor_object(seq: int, audit_length: int, audit_head: str, recorded_at: str) -> dict[str, Any]:
    """Return the validated ipl.audit_anchor/v1 object."""
    _count(seq, "seq", 0)
    _count(audit_length, "audit_length", 1)
    if not isinstance(audit_head, str) or not _SHA256_HEX.match(audit_head):
        raise InvalidValue("audit_head", "must be 64 lowercase hex digits (a record_hash)")
    check_timestamp(recorded_at, "recorded_at")
    return {
        "type": ANCHOR_TYPE,
        "seq": seq,
        "audit_length": audit_length,
        "audit_head": audit_head,
        "recorded_at": recorded_at,
    }


def anchor_leaf(seq: int, audit_length: int, audit_head: str, recorded_at: str) -> bytes:
    """Return the leaf bytes: JCS of the ipl.audit_anchor/v1 object."""
    return canonical_bytes(anchor_object(seq, audit_length, audit_head, recorded_at))


def is_anchor(leaf: Any) -> bool:
    """Whether a parsed leaf object (or handed-over event) is an audit anchor."""
    return isinstance(leaf, dict) and leaf.get("type") == ANCHOR_TYPE


def checked_anchor(body: dict[str, Any]) -> dict[str, Any]:
    """The anchor object of a parsed leaf, refusing unknown or missing keys."""
    unknown = set(body) - {"type", *ANCHOR_FIELDS}
    if unknown:
        raise InvalidValue(
            "leaf",
            "has unexpected keys %(unknown)s",
            unknown=", ".join(sorted(unknown)),
        )
    fields: dict[str, Any] = {name: body.get(name) for name in ANCHOR_FIELDS}
    return anchor_object(**fields)

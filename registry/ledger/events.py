"""Log leaves: one `ipl.event/v1` object per publication event, in canonical JSON."""

from __future__ import annotations

import re
from typing import Any

from registry.canonical import canonical_bytes
from registry.errors import InvalidValue
from registry.timestamps import check_timestamp

EVENT_TYPE = "ipl.event/v1"
EVENTS = ("listed", "amended", "removed")
REASONS = ("expired", "credit_restored", "basis_revoked", "correction", "error")
_SHA256_HEX = re.compile(r"[0-9a-f]{64}\Z")


def event_object(
    seq: int,
    event: str,
    entry_id: str,
    revision: int,
    content_sha256: str,
    recorded_at: str,
    reason: str | None = None,
) -> dict[str, Any]:
    """Return the validated ipl.event/v1 object; `reason` only for amended and removed."""
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 0:
        raise InvalidValue(
            "seq",
            "must be a non-negative integer (the leaf index), got %(seq)r",
            seq=seq,
        )
    if event not in EVENTS:
        raise InvalidValue(
            "event",
            "must be one of %(expected)s, got %(event)r",
            expected=", ".join(EVENTS),
            event=event,
        )
    if not isinstance(entry_id, str) or not entry_id.strip():
        raise InvalidValue("entry_id", "must be a non-empty string")
    if isinstance(revision, bool) or not isinstance(revision, int) or revision < 1:
        raise InvalidValue(
            "revision",
            "must be an integer of at least 1, got %(revision)r",
            revision=revision,
        )
    if not isinstance(content_sha256, str) or not _SHA256_HEX.match(content_sha256):
        raise InvalidValue(
            "content_sha256", "must be 64 lowercase hex digits (the SHA-256 of JCS(entry))"
        )
    check_timestamp(recorded_at, "recorded_at")
    body: dict[str, Any] = {
        "type": EVENT_TYPE,
        "seq": seq,
        "event": event,
        "entry_id": entry_id,
        "revision": revision,
        "content_sha256": content_sha256,
        "recorded_at": recorded_at,
    }
    if event == "listed":
        if reason is not None:
            raise InvalidValue("reason", "a 'listed' event carries no reason")
    elif reason not in REASONS:
        expected = ", ".join(REASONS)
        raise InvalidValue(
            "reason",
            "an %(event)r event needs one of %(expected)s, got %(reason)r",
            event=event,
            expected=expected,
            reason=reason,
        )
    else:
        body["reason"] = reason
    return body


def event_leaf(
    seq: int,
    event: str,
    entry_id: str,
    revision: int,
    content_sha256: str,
    recorded_at: str,
    reason: str | None = None,
) -> bytes:
    """Return the leaf bytes: JCS of the ipl.event/v1 object."""
    return canonical_bytes(
        event_object(seq, event, entry_id, revision, content_sha256, recorded_at, reason)
    )

"""Event leaves: the exact JCS bytes of ipl.event/v1, and the values they refuse."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from registry.errors import InvalidValue
from registry.ledger.events import event_leaf, event_object

CONTENT = hashlib.sha256(b"entry").hexdigest()
AT = "2026-01-31T08:00:00Z"


def test_listed_leaf_bytes() -> None:
    assert (
        event_leaf(0, "listed", "IPL-2026-000123", 1, CONTENT, AT)
        == (
            '{"content_sha256":"' + CONTENT + '","entry_id":"IPL-2026-000123","event":"listed",'
            '"recorded_at":"2026-01-31T08:00:00Z","revision":1,"seq":0,"type":"ipl.event/v1"}'
        ).encode()
    )


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        ("amended", "correction"),
        ("removed", "expired"),
        ("removed", "credit_restored"),
        ("removed", "basis_revoked"),
        ("removed", "error"),
    ],
)
def test_amended_and_removed_carry_their_reason(event: str, reason: str) -> None:
    body = event_object(41, event, "IPL-2026-000123", 2, CONTENT, AT, reason)
    assert body["reason"] == reason
    assert f'"reason":"{reason}"'.encode() in event_leaf(
        41, event, "IPL-2026-000123", 2, CONTENT, AT, reason
    )


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"seq": -1}, "seq"),
        ({"seq": True}, "seq"),
        ({"event": "published"}, "event"),
        ({"entry_id": " "}, "entry_id"),
        ({"revision": 0}, "revision"),
        ({"content_sha256": CONTENT.upper()}, "content_sha256"),
        ({"content_sha256": CONTENT[:-1]}, "content_sha256"),
        ({"recorded_at": "2026-01-31T08:00:00+08:00"}, "recorded_at"),
        ({"recorded_at": "2026-02-30T08:00:00Z"}, "recorded_at"),
        ({"recorded_at": "2026-01-31 08:00:00Z"}, "recorded_at"),
        ({"reason": "expired"}, "reason"),
        ({"event": "removed"}, "reason"),
        ({"event": "amended", "reason": "because"}, "reason"),
    ],
)
def test_invalid_events_are_refused(kwargs: dict[str, Any], field: str) -> None:
    values: dict[str, Any] = {
        "seq": 0,
        "event": "listed",
        "entry_id": "IPL-2026-000123",
        "revision": 1,
        "content_sha256": CONTENT,
        "recorded_at": AT,
        "reason": None,
    }
    values.update(kwargs)
    with pytest.raises(InvalidValue) as caught:
        event_leaf(**values)
    assert caught.value.field == field

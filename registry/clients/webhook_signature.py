"""Webhook signatures: `X-Registry-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>`.

The timestamp is part of the signed bytes, so a receiver that checks it against its own clock
(within `tolerance` seconds) refuses a captured request replayed later. Clients may copy this
module: it needs only the standard library.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-Registry-Signature"
DEFAULT_TOLERANCE = 300


class SignatureError(ValueError):
    """The signature header is missing, malformed, stale or does not match the body."""


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of `"<timestamp>." + body` under `secret`."""
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The value of the X-Registry-Signature header for `body` sent at `timestamp`."""
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


def _parse(header: str) -> tuple[int, list[str]]:
    # Unknown parts are skipped, so the header can gain a v2 without breaking old receivers.
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t":
            if not value.isdigit():
                raise SignatureError(f"t must be a unix time in seconds, got {value!r}")
            timestamp = int(value)
        elif key == "v1":
            candidates.append(value)
    if timestamp is None:
        raise SignatureError("the header has no t=<unix time> part")
    if not candidates:
        raise SignatureError("the header has no v1=<hex signature> part")
    return timestamp, candidates


def verify(
    secret: str,
    header: str,
    body: bytes,
    tolerance: int = DEFAULT_TOLERANCE,
    now: int | None = None,
) -> int:
    """Check a signature header against the raw body; return its timestamp or raise."""
    timestamp, candidates = _parse(header)
    current = int(time.time()) if now is None else now
    if abs(current - timestamp) > tolerance:
        raise SignatureError(
            f"timestamp {timestamp} is more than {tolerance} s away from now ({current})"
        )
    expected = signature(secret, timestamp, body)
    if not any(hmac.compare_digest(expected, candidate) for candidate in candidates):
        raise SignatureError("no v1 signature matches the body under this secret")
    return timestamp

"""Signed screening receipts (DESIGN.md section 6) and the per-key record of calls.

A receipt binds an answer to the checkpoint it was computed from:
`{"signed": {"type": "ipl.receipt/v1", "receipt_id", "issued_at", "api_key_id", "as_of",
"checkpoint": {"origin", "tree_size", "root"}, "queries" | "queries_sha256", "results"},
"signatures": [{"kid", "sig"}]}`, signed over `"ipl.receipt/v1" || 0x00 || JCS(signed)`.
Scores are decimal strings ("0.9312"): signed documents carry no floats. A batch screening
receipt also carries `parameters` (threshold, limit, excluded entries), since they shape the
results. With `privacy`, `queries_sha256` (hex SHA-256 of the JCS of the queries the receipt
would otherwise carry) replaces the queries.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.canonical import sha256_hex
from registry.errors import NotFound
from registry.models import Receipt, ScreeningCall
from registry.screening.screen import CheckpointRef
from registry.signing.keys import SigningKey
from registry.signing.signatures import (
    RECEIPT_TYPE,
    PublicKeys,
    SignatureInvalid,
    sign_envelope,
    verify_envelope,
)
from registry.timestamps import format_timestamp
from registry.transaction import atomic

REQUIRED_FIELDS = ("receipt_id", "issued_at", "api_key_id", "as_of", "checkpoint", "results")
MAX_USAGE_PAGE = 500


def new_receipt_id() -> str:
    """A fresh, unguessable receipt id."""
    return "rcpt_" + secrets.token_hex(16)


def build_signed(
    receipt_id: str,
    issued_at: dt.datetime,
    api_key_id: int,
    as_of: dt.date,
    checkpoint: CheckpointRef,
    queries: list[dict[str, Any]],
    results: list[dict[str, Any]],
    privacy: bool,
    parameters: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The `signed` object of a receipt."""
    signed: dict[str, Any] = {
        "type": RECEIPT_TYPE,
        "receipt_id": receipt_id,
        "issued_at": format_timestamp(issued_at, "issued_at"),
        "api_key_id": api_key_id,
        "as_of": as_of.isoformat(),
        "checkpoint": checkpoint.as_dict(),
    }
    if privacy:
        signed["queries_sha256"] = sha256_hex(queries)
    else:
        signed["queries"] = queries
    if parameters is not None:
        signed["parameters"] = dict(parameters)
    signed["results"] = results
    return signed


@dataclass(frozen=True)
class IssuedReceipt:
    """A signed receipt and the two rows that keep it: the receipt and the call made."""

    envelope: dict[str, Any]
    receipt_row: dict[str, Any]
    call_row: dict[str, Any]


def prepare_receipt(
    key: SigningKey,
    *,
    api_key_id: int,
    endpoint: str,
    issued_at: dt.datetime,
    as_of: dt.date,
    checkpoint: CheckpointRef,
    queries: list[dict[str, Any]],
    results: list[dict[str, Any]],
    privacy: bool,
    parameters: Mapping[str, Any] | None = None,
) -> IssuedReceipt:
    """Sign a receipt and describe its rows (count and log size, no query content)."""
    receipt_id = new_receipt_id()
    signed = build_signed(
        receipt_id, issued_at, api_key_id, as_of, checkpoint, queries, results, privacy, parameters
    )
    envelope = sign_envelope(RECEIPT_TYPE, signed, key)
    return IssuedReceipt(
        envelope,
        {
            "receipt_id": receipt_id,
            "api_key_id": api_key_id,
            "issued_at": issued_at,
            "envelope": envelope,
        },
        {
            "api_key_id": api_key_id,
            "called_at": issued_at,
            "endpoint": endpoint,
            "query_count": len(queries),
            "tree_size": checkpoint.tree_size,
            "receipt_id": receipt_id,
        },
    )


def issue_receipt(
    session: Session,
    key: SigningKey,
    *,
    api_key_id: int,
    endpoint: str,
    issued_at: dt.datetime,
    as_of: dt.date,
    checkpoint: CheckpointRef,
    queries: list[dict[str, Any]],
    results: list[dict[str, Any]],
    privacy: bool,
    parameters: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Sign a receipt, keep it, and record the call, in the session's transaction."""
    issued = prepare_receipt(
        key,
        api_key_id=api_key_id,
        endpoint=endpoint,
        issued_at=issued_at,
        as_of=as_of,
        checkpoint=checkpoint,
        queries=queries,
        results=results,
        privacy=privacy,
        parameters=parameters,
    )
    with atomic(session):
        session.add(Receipt(**issued.receipt_row))
        session.add(ScreeningCall(**issued.call_row))
    return issued.envelope


def get_receipt(session: Session, api_key_id: int, receipt_id: str) -> dict[str, Any]:
    """A receipt issued to this key; another key's receipt is as unknown as a missing one."""
    receipt = session.get(Receipt, receipt_id)
    if receipt is None or receipt.api_key_id != api_key_id:
        raise NotFound(
            "no receipt %(receipt_id)r was issued to this API key",
            receipt_id=receipt_id,
        )
    return dict(receipt.envelope)


def usage(
    session: Session, api_key_id: int, limit: int = 100, offset: int = 0
) -> list[ScreeningCall]:
    """This key's calls, newest first."""
    return list(
        session.scalars(
            select(ScreeningCall)
            .where(ScreeningCall.api_key_id == api_key_id)
            .order_by(ScreeningCall.id.desc())
            .limit(min(limit, MAX_USAGE_PAGE))
            .offset(offset)
        )
    )


def verify_receipt(envelope: Any, public_keys: PublicKeys) -> dict[str, Any]:
    """Check a receipt's shape and signature; return its `signed` part or raise SignatureInvalid."""
    if not isinstance(envelope, Mapping):
        raise SignatureInvalid("a receipt is an object with 'signed' and 'signatures'")
    verify_envelope(RECEIPT_TYPE, envelope, public_keys)
    signed = envelope["signed"]
    missing = [name for name in REQUIRED_FIELDS if name not in signed]
    if ("queries" in signed) == ("queries_sha256" in signed):
        missing.append("queries or queries_sha256 (exactly one)")
    if missing:
        raise SignatureInvalid(
            "the receipt is signed but lacks %(missing)s",
            missing=", ".join(missing),
        )
    return dict(signed)

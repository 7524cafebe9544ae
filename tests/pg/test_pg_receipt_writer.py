"""Batched receipts on PostgreSQL: copied in, read back as they were signed."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from sqlalchemy import select

from registry.actors import SYSTEM
from registry.clients.api_keys import create_key
from registry.models import Receipt, ScreeningCall
from registry.screening.receipt_writer import ReceiptWriter
from registry.screening.receipts import get_receipt, prepare_receipt, usage
from registry.screening.screen import CheckpointRef
from runtime.extensions import db
from runtime.signing_keys import key_store

pytestmark = pytest.mark.pg
# Text COPY must carry as it is: Chinese, quotes, a backslash and a tab.
NOTE = '深圳 "x" \\ \t end'


def test_a_batch_is_copied_in_and_reads_back_unchanged(pg_app: Flask) -> None:
    session = db.session()
    key = create_key(session, SYSTEM, "Example Bank", ["screen"]).key
    writer = ReceiptWriter(db.engine, 60, 1000)
    moment = dt.datetime(2026, 5, 4, 3, 2, 1, 123456, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    issued = [
        prepare_receipt(
            key_store().current("receipt"),
            api_key_id=key.id,
            endpoint="lookup",
            issued_at=moment + dt.timedelta(seconds=n),
            as_of=dt.date(2026, 5, 4),
            checkpoint=CheckpointRef("registry.example/test", 3, bytes(range(32))),
            queries=[{"scheme": "cn_uscc", "value": f"9144030075222395{n}D", "ref": NOTE}],
            results=[{"answer": "not_listed", "entries": []}],
            privacy=False,
        )
        for n in range(3)
    ]
    for one in issued:
        writer.add(one)
    assert writer.flush() == 3 and writer.pending() == 0

    session.rollback()
    for one in issued:
        receipt_id = one.receipt_row["receipt_id"]
        assert get_receipt(session, key.id, receipt_id) == one.envelope
        stored = session.get(Receipt, receipt_id)
        assert stored is not None and stored.issued_at == one.receipt_row["issued_at"]
    calls = usage(session, key.id)
    assert [call.receipt_id for call in calls] == [
        one.receipt_row["receipt_id"] for one in reversed(issued)
    ]
    assert calls[0].called_at == moment + dt.timedelta(seconds=2)
    assert all((c.endpoint, c.query_count, c.tree_size) == ("lookup", 1, 3) for c in calls)
    assert session.scalar(select(ScreeningCall.id).limit(1)) is not None

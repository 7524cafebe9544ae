"""Found by the load harness: loading the demo into PostgreSQL failed revoking a case.

`SELECT DISTINCT` over whole listing rows needs an equality operator for their JSON columns,
which PostgreSQL does not have; SQLite never noticed.
"""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from registry import clock
from registry.cases.records import revoke_case
from registry.models import ListingCase
from runtime.extensions import db
from tests.faults.conftest import SmallDemo

pytestmark = pytest.mark.pg


def test_revoking_a_case_flags_its_listing_on_postgresql(pg_app: Flask) -> None:
    demo = SmallDemo(pg_app, db.session)
    (listing_id,) = demo.listings("published", 1)
    case_id = db.session.scalar(
        select(ListingCase.case_id).where(ListingCase.listing_id == listing_id).limit(1)
    )
    assert case_id is not None
    flagged = revoke_case(
        db.session, demo.builder.reviewer, case_id, clock.beijing_today(), "overturned on appeal"
    )
    assert [listing.id for listing in flagged] == [listing_id]
    assert flagged[0].review_flag

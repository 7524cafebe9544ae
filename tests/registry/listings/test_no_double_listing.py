"""Issue #17, finding 11: no second live listing on one basis, no relisting after removal."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from registry.errors import Conflict
from registry.listings import workflow
from registry.listings.policy import Policy
from tests import builders

D = dt.date
SetToday = Callable[[dt.date], None]


@pytest.fixture
def policy(app: Flask) -> Policy:
    return Policy.from_settings(app.config["REGISTRY"])


@pytest.mark.parametrize("state", ["draft", "notified", "under_review", "approved", "published"])
def test_a_second_proposal_on_a_live_basis_is_refused(
    session: Session, policy: Policy, set_today: SetToday, state: str
) -> None:
    first = builders.listing(session, state=state, policy=policy)
    set_today(D(2026, 11, 20))
    clerk = builders.actors(session)["clerk"]
    with pytest.raises(Conflict, match=f"listing {first.id} \\({state}\\) already rests on"):
        workflow.propose(
            session, clerk, policy, first.subject_id, ["deliberate_infringement"], D(2026, 11, 20)
        )


@pytest.mark.parametrize(("state", "allowed"), [("withdrawn", True), ("rejected", True)])
def test_a_proposal_that_ended_before_listing_does_not_block(
    session: Session, policy: Policy, set_today: SetToday, state: str, allowed: bool
) -> None:
    first = builders.listing(session, state=state, policy=policy)
    set_today(D(2026, 11, 20))
    clerk = builders.actors(session)["clerk"]
    again = workflow.propose(
        session, clerk, policy, first.subject_id, ["deliberate_infringement"], D(2026, 11, 20)
    )
    assert again.state == "draft" and allowed


def test_no_relisting_on_the_same_cases_after_a_basis_revoked_removal(
    session: Session, policy: Policy, set_today: SetToday
) -> None:
    first = builders.listing(session, state="published", policy=policy)
    builders.remove(session, first.id, on=D(2026, 10, 22), reason_code="basis_revoked")
    assert (first.state, first.end_reason) == ("removed", "basis_revoked")
    set_today(D(2026, 11, 20))
    clerk = builders.actors(session)["clerk"]
    with pytest.raises(Conflict, match="cannot be listed again on the same cases"):
        workflow.propose(
            session, clerk, policy, first.subject_id, ["deliberate_infringement"], D(2026, 11, 20)
        )

"""What batch screens reuse between requests (registry/screening/batch.py), and what they never do.

A query answered once is answered again from what was kept, under a fresh receipt, until
something it depends on changes: a removal proposed or confirmed, a person recorded. Queries
with a personal identifier, and batches sent with `privacy`, are never kept.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.screening_api import schemas
from registry.listings import published as published_listings
from registry.models import Listing, ResponsiblePerson
from registry.screening import batch
from registry.screening.matching import ScreeningQuery
from registry.screening.receipts import verify_receipt
from registry.screening.shared_index import StateIndex
from runtime.signing_keys import key_store
from tests.api.screening_api.screening_fixtures import (
    bearer,
    demo_app,
    demo_reviewers,
    new_key,
    published,
)

RIC = "11010519491231002X"


@pytest.fixture
def app(tmp_path: Path, demo_template: Path) -> Iterator[Flask]:
    """The demo registry."""
    yield from demo_app(tmp_path, demo_template)


@pytest.fixture
def key(session: Session) -> str:
    """A key with the screen scope."""
    return new_key(session)


@pytest.fixture
def screened(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names the subject index screens, in order, as the requests go on."""
    names: list[str] = []
    screen_many = StateIndex.screen_many

    def counting(self: StateIndex, queries: Any, *args: Any) -> Any:
        queries = list(queries)
        names.extend(query.name for query in queries)
        return screen_many(self, queries, *args)

    monkeypatch.setattr(StateIndex, "screen_many", counting)
    return names


def _screen(client: FlaskClient, key: str, **body: Any) -> dict[str, Any]:
    response = client.post("/api/v1/screen", json=body, headers=bearer(key))
    assert response.status_code == 200, response.get_json()
    answer: dict[str, Any] = response.get_json()
    return answer


def _without_receipt(answer: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in answer.items() if name != "receipt"}


def _company(session: Session) -> Listing:
    return published(session, "legal_person")[0]


def test_a_repeated_query_is_screened_once_and_answered_as_afresh(
    client: FlaskClient, session: Session, key: str, screened: list[str]
) -> None:
    names = [listing.subject.name for listing in published(session)[:3]]
    queries = [{"name": name, "ref": f"r{i}"} for i, name in enumerate(names * 2)]
    first = _screen(client, key, queries=queries)
    assert sorted(screened) == sorted(names)  # each distinct name once
    second = _screen(client, key, queries=queries)
    assert sorted(screened) == sorted(names)  # nothing screened again
    assert _without_receipt(second) == _without_receipt(first)
    assert [r["ref"] for r in second["results"]] == [q["ref"] for q in queries]
    assert second["receipt"]["signed"]["receipt_id"] != first["receipt"]["signed"]["receipt_id"]
    for answer in (first, second):
        signed = verify_receipt(answer["receipt"], key_store().public_keys())
        assert [r["ref"] for r in signed["results"]] == [q["ref"] for q in queries]
    # A batch that asks for privacy is screened afresh and gives the same results.
    private = _screen(client, key, queries=queries, privacy=True)
    assert sorted(screened) == sorted(names * 2)
    assert _without_receipt(private) == _without_receipt(first)


def test_other_options_are_answered_apart(
    client: FlaskClient, session: Session, key: str, screened: list[str]
) -> None:
    listing = _company(session)
    query = [{"name": listing.subject.name}]
    found = _screen(client, key, queries=query)["results"][0]["matches"]
    assert [m["entry_id"] for m in found][:1] == [listing.entry_id]
    excluded = _screen(client, key, queries=query, exclude_entry_ids=[listing.entry_id])
    assert listing.entry_id not in [m["entry_id"] for m in excluded["results"][0]["matches"]]
    fewer = _screen(client, key, queries=query, limit=1)
    assert len(fewer["results"][0]["matches"]) == 1
    assert screened == [listing.subject.name] * 3


def test_a_query_with_a_personal_identifier_is_never_kept(
    client: FlaskClient, key: str, screened: list[str]
) -> None:
    query = {"name": "王伟", "identifiers": [{"scheme": "cn_ric", "value": RIC}]}
    for _ in range(2):
        _screen(client, key, queries=[query])
    assert screened == ["王伟", "王伟"]
    assert batch.may_keep(ScreeningQuery("王伟")) is True
    assert batch.may_keep(ScreeningQuery("王伟", (("cn_ric", RIC),))) is False


def test_a_removal_proposed_or_confirmed_shows_in_the_next_screen(
    client: FlaskClient, session: Session, key: str
) -> None:
    listing = _company(session)
    query = [{"name": listing.subject.name}]

    def match() -> dict[str, Any]:
        found = _screen(client, key, queries=query)["results"][0]["matches"]
        return next(m for m in found if m["entry_id"] == listing.entry_id)

    assert match()["removal_pending"] is None and match()["status"] == "listed"
    first, second = demo_reviewers(session)
    published_listings.remove(
        session, first, key_store(), listing.id, "error", listing.proposed_on, "in error"
    )
    pending = match()["removal_pending"]
    assert pending is not None and pending["reason"] == "error"
    published_listings.remove(
        session, second, key_store(), listing.id, "error", listing.proposed_on, "in error"
    )
    ended = match()
    assert ended["status"] == "previously_listed" and ended["removal_pending"] is None


def test_the_screen_answer_has_exactly_the_documented_shape(
    client: FlaskClient, session: Session, key: str
) -> None:
    listing = _company(session)
    reviewer, _second = demo_reviewers(session)
    published_listings.remove(
        session, reviewer, key_store(), listing.id, "error", listing.proposed_on, "in error"
    )
    queries = [{"name": entry.subject.name, "ref": "r"} for entry in published(session)]
    queries += [{"name": person.name} for person in session.scalars(select(ResponsiblePerson))]
    queries.append({"name": "Nobody Anywhere Ltd"})
    answer = _screen(client, key, queries=queries, threshold=0.5)
    assert any(m["removal_pending"] for r in answer["results"] for m in r["matches"])
    assert any(r["relations"] for r in answer["results"])
    assert schemas.ScreenResponseSchema().dump(answer) == answer


def test_the_answers_kept_stay_within_their_capacity(
    client: FlaskClient,
    session: Session,
    key: str,
    screened: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(batch, "QUERY_ANSWER_CAPACITY", 2)
    names = [listing.subject.name for listing in published(session)[:3]]
    first = _screen(client, key, queries=[{"name": names[0]}])
    _screen(client, key, queries=[{"name": names[1]}])
    _screen(client, key, queries=[{"name": names[0]}])
    assert screened == names[:2]  # the first is still kept
    _screen(client, key, queries=[{"name": names[2]}])  # a third: the kept ones go
    again = _screen(client, key, queries=[{"name": names[0]}])
    assert screened == [*names, names[0]]
    assert again["results"] == first["results"]

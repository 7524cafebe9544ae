"""The yente-compatible match API, driven by a client that speaks FollowTheMoney."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from followthemoney import model
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from registry.publication.ftm_entities import subject_entity
from registry.screening import yente
from tests.api.screening_api.screening_fixtures import bearer, demo_app, new_key, published


@pytest.fixture
def app(tmp_path: Path, demo_template: Path) -> Iterator[Flask]:
    yield from demo_app(tmp_path, demo_template)


@pytest.fixture
def key(session: Session) -> str:
    return new_key(session)


def _match(
    client: FlaskClient, key: str, body: Any, path: str = "/api/v1/ftm/match/default"
) -> TestResponse:
    return client.post(path, json=body, headers=bearer(key))


def test_a_followthemoney_client_matches_and_fetches_the_entity(
    client: FlaskClient, key: str, session: Session
) -> None:
    listing = published(session, "legal_person")[0]
    name = listing.subject.name
    company = model.make_entity("Company")
    company.id = "q-company"
    company.add("name", name.replace("有限公司", ""))  # legal form left out
    stranger = model.make_entity("Person")
    stranger.add("name", "Completely Unrelated Person")
    body = {"queries": {"c1": company.to_dict(), "p1": stranger.to_dict()}}
    response = _match(client, key, body)
    assert response.status_code == 200, response.get_json()
    answer = response.get_json()["responses"]
    c1 = answer["c1"]
    assert (c1["status"], c1["query"]["schema"]) == (200, "Company")
    assert c1["total"] == {"value": len(c1["results"]), "relation": "eq"}
    best = c1["results"][0]
    entity = model.get_proxy(best)  # the result is a FollowTheMoney entity
    assert entity.schema.name == "Company" and name in entity.get("name")
    assert best["match"] is True and 0.8 <= best["score"] <= 1.0
    assert set(best["explanations"]) >= {"name", "trade_name"}
    assert best["explanations"]["trade_name"]["description"]
    assert set(best["features"]) == set(best["explanations"])
    assert answer["p1"]["results"] == []
    fetched = client.get(f"/api/v1/ftm/entities/{entity.id}", headers=bearer(key))
    assert fetched.status_code == 200
    assert model.get_proxy(fetched.get_json()).get("name") == entity.get("name")
    assert client.get("/api/v1/ftm/entities/nope", headers=bearer(key)).status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"queries": {}}, "queries"),
        (
            {"queries": {"a": {"schema": "Vessel", "properties": {"name": ["X"]}}}},
            "queries.a.schema",
        ),
        (
            {"queries": {"a": {"schema": "Company", "properties": {"name": "X"}}}},
            "queries.a.properties.name",
        ),
        (
            {"queries": {"a": {"schema": "Company", "properties": {"name": [""]}}}},
            "queries.a.properties.name",
        ),
        (
            {"queries": {"a": {"schema": "Company", "properties": {"name": ["华" * 301]}}}},
            "queries.a.properties.name",
        ),
        ({"queries": {"a": {"schema": "Company"}}}, "queries.a.properties"),
        (
            {
                "queries": {
                    str(n): {"schema": "Company", "properties": {"name": ["X"]}}
                    for n in range(1001)
                }
            },
            "queries",
        ),
    ],
)
def test_malformed_entities_are_a_422_naming_the_query_and_field(
    client: FlaskClient, key: str, body: Any, field: str
) -> None:
    response = _match(client, key, body)
    assert response.status_code == 422
    assert field in response.get_json()["errors"], response.get_json()


def test_thresholds_outside_0_to_1_and_unknown_datasets_are_refused(
    client: FlaskClient, key: str
) -> None:
    body = {"queries": {"a": {"schema": "Company", "properties": {"name": ["X"]}}}}
    refused = _match(client, key, body, "/api/v1/ftm/match/default?threshold=1.5")
    assert refused.status_code == 422 and "threshold" in refused.get_json()["errors"]
    assert _match(client, key, body, "/api/v1/ftm/match/sanctions").status_code == 404
    assert client.post("/api/v1/ftm/match/default", json=body).status_code == 401


def test_a_match_carries_a_signed_receipt_of_what_was_found(
    client: FlaskClient, key: str, session: Session
) -> None:
    from sqlalchemy import select

    from registry.models import ScreeningCall
    from registry.screening.receipts import verify_receipt
    from runtime.signing_keys import key_store

    listing = published(session, "legal_person")[0]
    company = model.make_entity("Company")
    company.add("name", listing.subject.name)
    body = {"queries": {"c1": company.to_dict()}}
    with client.application.app_context():
        response = _match(client, key, body, "/api/v1/ftm/match/default?threshold=0.8")
        assert response.status_code == 200, response.get_json()
        answer = response.get_json()
        signed = verify_receipt(answer["receipt"], key_store().public_keys())
    found = signed["results"][0]
    assert found["query"] == "c1"
    assert found["matches"][0]["entry_id"] == listing.entry_id
    assert found["matches"][0]["score"] == f"{answer['responses']['c1']['results'][0]['score']:.4f}"
    assert found["matches"][0]["status"] == "listed"
    assert "queries" not in signed and len(signed["queries_sha256"]) == 64  # names not kept
    assert signed["parameters"] == {
        "dataset": "default",
        "threshold": "0.8000",
        "limit": 5,
        "cutoff": "0.5000",
    }
    call = session.scalars(select(ScreeningCall).order_by(ScreeningCall.id.desc())).first()
    assert call is not None and (call.endpoint, call.query_count) == ("ftm_match", 1)
    fetched = client.get(f"/api/v1/receipts/{signed['receipt_id']}", headers=bearer(key))
    assert fetched.status_code == 200 and fetched.get_json() == answer["receipt"]


def test_a_responsible_person_matches_as_a_person_naming_the_listed_organisation(
    client: FlaskClient, key: str, session: Session
) -> None:
    from registry.actors import SYSTEM
    from registry.screening.receipts import verify_receipt
    from registry.subjects.identifiers import mask_ric
    from registry.subjects.persons import PersonInput, record_person
    from runtime.signing_keys import key_store
    from tests.builders import id_number

    listing = published(session, "legal_person")[0]
    ric = id_number(43)
    record_person(
        session,
        SYSTEM,
        listing.subject_id,
        PersonInput("legal_representative", "欧阳娜娜", "cn_ric", ric),
    )
    by_name = model.make_entity("Person")
    by_name.add("name", "欧阳娜娜")
    by_id = model.make_entity("Person")
    by_id.add("idNumber", ric)
    as_company = model.make_entity("Company")
    as_company.add("name", "欧阳娜娜")
    body = {"queries": {"n": by_name.to_dict(), "i": by_id.to_dict(), "c": as_company.to_dict()}}
    with client.application.app_context():
        response = _match(client, key, body)
        assert response.status_code == 200, response.get_json()
        answer = response.get_json()
        signed = verify_receipt(answer["receipt"], key_store().public_keys())

    subject_name = listing.subject.name
    for query in ("n", "i"):
        [result] = [r for r in answer["responses"][query]["results"] if r["schema"] == "Person"]
        person = model.get_proxy(result)
        assert person.get("name") == ["欧阳娜娜"] and person.get("idNumber") == [mask_ric(ric)]
        assert person.get("position") == ["法定代表人 (legal representative)"]
        assert f"{subject_name}的法定代表人（列入 {listing.entry_id}）" in person.get("notes")
        assert result["relation"] == {
            "zh": f"{subject_name}的法定代表人（列入 {listing.entry_id}）",
            "en": f"legal representative of {subject_name}, listed {listing.entry_id}",
        }
        assert result["entry_id"] == listing.entry_id and result["target"] is False
        assert result["score"] == 1.0 and result["match"] is True
        assert subject_name in result["explanations"]["relation"]["description"]
        assert set(result["features"]) == set(result["explanations"])
        assert person.id and ric not in str(person.id)
    assert answer["responses"]["c"]["results"] == [] or all(
        r["schema"] != "Person" for r in answer["responses"]["c"]["results"]
    )
    assert ric not in response.get_data(as_text=True)  # the query echo masks it too
    assert answer["responses"]["i"]["query"]["properties"]["idNumber"] == [mask_ric(ric)]
    by_query = {r["query"]: r for r in signed["results"]}
    assert (
        by_query["n"]["relations"]
        == by_query["i"]["relations"]
        == [
            {
                "entry_id": listing.entry_id,
                "person": "欧阳娜娜",
                "role": "legal_representative",
                "score": "1.0000",
                "status": "listed",
            }
        ]
    )
    assert "relations" not in by_query["c"]  # no person found: the old shape


def test_an_entity_is_fetched_without_making_every_entry_an_entity(
    client: FlaskClient, key: str, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each new list state used to make an FtM entity of every entry to find one id: about 18 s
    # of CPU per worker at 1M entries.
    listing = published(session, "legal_person")[0]
    wanted = subject_entity(
        {"entry_id": listing.entry_id, "subject": {"kind": "legal_person", "name": "x"}},
        "entry",
        None,
    ).id
    made: list[str] = []
    real = yente.subject_entity

    def counted(entry: dict, field: str, url: str | None) -> object:
        made.append(entry["entry_id"])
        return real(entry, field, url)

    monkeypatch.setattr(yente, "subject_entity", counted)
    fetched = client.get(f"/api/v1/ftm/entities/{wanted}", headers=bearer(key))
    assert fetched.status_code == 200
    assert fetched.get_json()["id"] == wanted
    assert made == [listing.entry_id]
